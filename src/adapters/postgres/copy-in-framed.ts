/** What node-postgres hands a submittable during COPY FROM STDIN. */
interface PgConnectionLike {
  stream: NodeJS.WritableStream & { destroyed?: boolean; writableNeedDrain?: boolean };
  query(text: string): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

/**
 * Sends bytes that already are whole protocol messages. `release` is called once the socket no
 * longer needs the buffer (it may then be reused); the promise resolves when more may be sent.
 */
export type SendMessages = (messages: Buffer, release?: () => void) => Promise<void>;

/** Bytes queued on the socket before `send` waits for it to drain. */
const SOCKET_QUEUE_BYTES = 4 << 20;

const STOP = Symbol('stop');

/**
 * `COPY … FROM STDIN` whose input is already framed as protocol CopyData messages (a snapshot
 * file's rows, see SNAPSHOT_FILE_LAYOUT), submitted to a node-postgres client
 * (`client.query(copy)`, then `await copy.done`). The bytes go to the socket as they are: nothing is
 * re-framed or copied.
 *
 * `feed` gets a `send` function and must pass it whole messages only, so that stopping between two
 * sends (the server reported an error) leaves the protocol stream intact for the next query. When
 * `feed` throws, the COPY is aborted with CopyFail and `done` rejects with feed's error; when the
 * server fails it, `done` rejects with the server's error once `feed` has stopped.
 */
export class FramedCopyIn {
  /** Rows the server reported in CommandComplete. */
  rowCount = 0;
  readonly done: Promise<void>;
  private resolve!: () => void;
  private reject!: (e: unknown) => void;
  private settled = false;
  private pumping: Promise<void> = Promise.resolve();
  private serverError: unknown;
  private feedError: unknown;

  constructor(private readonly text: string, private readonly feed: (send: SendMessages) => Promise<void>) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => {}); // the caller awaits it; an early rejection is not unhandled
  }

  /** node-postgres: the query is dispatched. */
  submit(connection: PgConnectionLike): void {
    connection.query(this.text);
  }

  /** node-postgres: the server is ready for CopyData. */
  handleCopyInResponse(connection: PgConnectionLike): void {
    this.pumping = this.pump(connection);
  }

  private async pump(con: PgConnectionLike): Promise<void> {
    const socket = con.stream;
    try {
      await this.feed(async (messages, release) => {
        if (this.serverError !== undefined || socket.destroyed) {
          release?.();
          throw STOP;
        }
        // The callback runs once the bytes are handed to the kernel (or the socket failed).
        socket.write(messages, () => release?.());
        if ((socket as unknown as { writableLength: number }).writableLength >= SOCKET_QUEUE_BYTES) await drained(socket);
      });
      if (this.serverError === undefined && !socket.destroyed) con.endCopyFrom();
    } catch (e) {
      if (e === STOP) return;
      this.feedError = e;
      if (this.serverError === undefined && !socket.destroyed) con.sendCopyFail((e as Error).message ?? String(e));
    }
  }

  /** node-postgres: `COPY n`. */
  handleCommandComplete(msg: { text?: string }): void {
    const m = /COPY (\d+)/.exec(msg?.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  /** node-postgres: an ErrorResponse, or the connection failed (then no ReadyForQuery follows). */
  handleError(err: unknown): void {
    if (this.serverError === undefined) this.serverError = err;
    void this.pumping.then(() => this.settle(this.feedError ?? err));
  }

  /** node-postgres: the connection is free again. */
  handleReadyForQuery(): void {
    void this.pumping.then(() => this.settle(this.feedError ?? this.serverError));
  }

  private settle(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (error !== undefined) this.reject(error);
    else this.resolve();
  }
}

/** Resolves when the socket has drained, closed or failed. */
function drained(socket: NodeJS.WritableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      socket.off('error', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
    socket.on('error', done);
  });
}
