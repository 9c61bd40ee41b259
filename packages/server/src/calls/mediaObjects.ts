import type { types as ms } from 'mediasoup';
import type { MediaObjectType } from '../metrics.js';

/** Something that moves a per-type count up and down (the `plaza_media_objects` gauge). */
export interface MediaObjectCounter {
  inc(labels: { type: MediaObjectType }): void;
  dec(labels: { type: MediaObjectType }): void;
}

/** Per-worker load: routers and transports alive on it. */
export interface WorkerLoad {
  routers: number;
  transports: number;
}

/**
 * Counts a worker and everything created on it through mediasoup's observer API, so the counts
 * follow every object mediasoup creates (pipe transports and pipe producers included) and fall
 * back when objects close for any reason (closed by us, by their parent, or by a dying worker).
 * `load` is kept current for the worker pool's least-loaded choice.
 */
export function observeWorker(worker: ms.Worker, counter: MediaObjectCounter, load: WorkerLoad): void {
  const track = (type: MediaObjectType, observer: ms.Worker['observer'], onClose?: () => void) => {
    counter.inc({ type });
    observer.once('close', () => {
      counter.dec({ type });
      onClose?.();
    });
  };
  track('worker', worker.observer);
  worker.observer.on('newrouter', (router: ms.Router) => {
    load.routers++;
    track('router', router.observer, () => load.routers--);
    router.observer.on('newtransport', (transport: ms.Transport) => {
      load.transports++;
      track('transport', transport.observer, () => load.transports--);
      transport.observer.on('newproducer', (producer: ms.Producer) => track('producer', producer.observer));
      transport.observer.on('newconsumer', (consumer: ms.Consumer) => track('consumer', consumer.observer));
      transport.observer.on('newdataproducer', (dataProducer: ms.DataProducer) => track('data_producer', dataProducer.observer));
      transport.observer.on('newdataconsumer', (dataConsumer: ms.DataConsumer) => track('data_consumer', dataConsumer.observer));
    });
  });
}
