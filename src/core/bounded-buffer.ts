/**
 * The hand-over between a change capture running in the background and the exporter that reads its
 * transactions: a queue with a limit on how many items wait, one producer and one consumer.
 *
 * The producer waits for room (`room()`) before it adds; the limit is checked before an add, not
 * after, so one add of several items may go past it (a chunk of the binlog decoded at once). The
 * consumer reads until the producer has ended and everything waiting was read; a producer's
 * failure is thrown to the consumer after that.
 *
 * @example
 * const buffer = new BoundedBuffer<CapturedTransaction>(64);
 * // producer
 * await buffer.room();
 * buffer.push(tx);
 * buffer.end(); // or buffer.end(error)
 * // consumer
 * for await (const tx of buffer.items()) handle(tx);
 */
export class BoundedBuffer<T> {
  private queue: T[] = [];
  private wakeConsumer: (() => void) | undefined;
  private wakeProducer: (() => void) | undefined;
  private failure: unknown;
  private ended = false;
  private released = false;
  private waitingWeight = 0;

  /**
   * `limit`: how many items may wait before `room()` waits; `weight`, optionally, a second limit on
   * the sum of the waiting items' weights (a change capture's transactions: their events, so that
   * a few large transactions wait no more than many small ones).
   */
  constructor(readonly limit: number, private readonly weight?: { readonly limit: number; readonly of: (item: T) => number }) {}

  /** How many items wait. */
  get size(): number {
    return this.queue.length;
  }

  /** Resolves when fewer than `limit` items wait, or at once after `release()`. */
  async room(): Promise<void> {
    while ((this.queue.length >= this.limit || (this.weight !== undefined && this.waitingWeight >= this.weight.limit)) && !this.released) {
      await new Promise<void>((resolve) => { this.wakeProducer = resolve; });
    }
  }

  /** Adds an item (whether there is room is the producer's to ask first) and wakes the consumer. */
  push(item: T): void {
    this.queue.push(item);
    if (this.weight) this.waitingWeight += this.weight.of(item);
    this.wakeConsumer?.();
  }

  /** Adds several items at once, waking the consumer once (however many there are: no room is asked). */
  pushAll(items: Iterable<T>): void {
    for (const item of items) {
      this.queue.push(item);
      if (this.weight) this.waitingWeight += this.weight.of(item);
    }
    this.wakeConsumer?.();
  }

  /** Stops waiting for room: a producer in `room()` goes on now, and later calls do not wait. */
  release(): void {
    this.released = true;
    this.wakeProducer?.();
  }

  /**
   * Nothing more will be added: the consumer reads what waits, then ends, throwing `failure` if one
   * is given. Only the first call decides the failure; every call wakes the consumer.
   */
  end(failure?: unknown): void {
    if (!this.ended) this.failure = failure;
    this.ended = true;
    this.wakeConsumer?.();
  }

  /** The items, one at a time (each read makes room for the producer). */
  items(): AsyncGenerator<T> {
    return this.read(() => {
      const item = this.queue.shift()!;
      if (this.weight) this.waitingWeight -= this.weight.of(item);
      return item;
    });
  }

  /** Every item waiting, in one array per wake-up (the buffer is empty again after each). */
  batches(): AsyncGenerator<T[]> {
    return this.read(() => {
      const batch = this.queue;
      this.queue = [];
      this.waitingWeight = 0;
      return batch;
    });
  }

  private async *read<R>(take: () => R): AsyncGenerator<R> {
    for (;;) {
      if (this.queue.length > 0) {
        const out = take();
        this.wakeProducer?.();
        yield out;
        continue;
      }
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => { this.wakeConsumer = resolve; });
    }
  }
}
