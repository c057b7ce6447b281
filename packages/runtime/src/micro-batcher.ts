type Waiting<In, Out> = { item: In; resolve: (out: Out) => void; reject: (err: unknown) => void };

/**
 * Gathers the calls made in one turn of the event loop into one batch: the intents of a
 * read batch all reach begin in the same turn, so they cost one script call, not one each.
 * A batch of one is the same code path.
 */
export class MicroBatcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private scheduled = false;
  private readonly run: (items: In[]) => Promise<Out[]>;
  private readonly maxBatch: number;

  constructor(run: (items: In[]) => Promise<Out[]>, maxBatch: number) {
    this.run = run;
    this.maxBatch = maxBatch;
  }

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.run(batch.map((w) => w.item)).then(
        (outs) => {
          for (const [i, w] of batch.entries()) {
            if (i < outs.length) w.resolve(outs[i] as Out);
            else w.reject(new Error(`batch answered ${outs.length} results for ${batch.length} items`));
          }
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      );
    }
  }
}
