/** This server release, reported to clients in `session:hello`. */
export const SERVER_VERSION = '0.1.0';
