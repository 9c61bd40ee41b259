import type { RequestName, RequestOf, ResponseOf } from '@plaza/protocol';

/** Sends one request to the Plaza server and resolves with its answer (rejects with a `PlazaError`). */
export type RequestFn = <K extends RequestName>(name: K, payload: RequestOf<K>) => Promise<ResponseOf<K>>;
