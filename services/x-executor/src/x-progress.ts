/**
 * How far an X effect got, recorded with fenced marks (mark.lua) so that whoever takes the
 * key over resumes where it stopped: each finished upload (its media id and expiry), each
 * part about to be sent, each part posted (its id). Marks are short strings in the key's armed
 * record; these functions are the only place that writes or reads their form.
 */
export type Progress = {
  /** `${part}:${index}` -> the finished upload. */
  media: Map<string, { mediaId: string; expiresAt: number }>;
  /** Parts whose post call may have left (the point of no return of each). */
  sent: Set<number>;
  /** Part -> the id X gave its post. */
  posted: Map<number, string>;
};

export const mediaMark = (part: number, index: number, mediaId: string, expiresAt: number) =>
  `media:${part}:${index}:${mediaId}:${expiresAt}`;
export const sendMark = (part: number) => `send:${part}`;
export const postedMark = (part: number, id: string) => `posted:${part}:${id}`;

export function readProgress(marks: readonly string[]): Progress {
  const p: Progress = { media: new Map(), sent: new Set(), posted: new Map() };
  for (const mark of marks) {
    const media = /^media:(\d+):(\d+):(\d+):(\d+)$/.exec(mark);
    if (media) {
      p.media.set(`${media[1]}:${media[2]}`, { mediaId: media[3] as string, expiresAt: Number(media[4]) });
      continue;
    }
    const send = /^send:(\d+)$/.exec(mark);
    if (send) {
      p.sent.add(Number(send[1]));
      continue;
    }
    const posted = /^posted:(\d+):(\d+)$/.exec(mark);
    if (posted) p.posted.set(Number(posted[1]), posted[2] as string);
  }
  return p;
}
