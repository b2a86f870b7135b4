// A Server-Sent Events parser (the WHATWG "event stream interpretation"). The browser's EventSource cannot send an
// Authorization header, and the API key must never be in a URL or a cookie, so the dashboard reads the stream with
// fetch() and parses it here. No imports: tests/sse.test.mjs loads this file on its own.

export interface SseMessage {
  /** The event's type: "message" when the stream named none. */
  event: string;
  data: string;
  /** The last event id as of this message (it carries over from earlier messages, as in EventSource). */
  id: string;
}

export class SseParser {
  /** The id to resume from (Last-Event-ID): set by every id field, also by messages without data (heartbeats). */
  lastEventId = "";
  /** The reconnection delay the stream asked for with a retry field, in ms; undefined until it does. */
  retryMs: number | undefined;

  private buffer = "";
  private data: string[] = [];
  private event = "";
  private sawCr = false;

  /** Feeds decoded text (any split, even inside a line or a CRLF); returns the messages it completed. */
  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    // A CR that ended the previous chunk and an LF that starts this one are one line end.
    if (this.sawCr && text.startsWith("\n")) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === 13) {
        if (i + 1 < this.buffer.length) { if (this.buffer.charCodeAt(i + 1) === 10) i++; }
        else this.sawCr = true;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === "") {
      // A blank line ends a message; one without data is not dispatched (its id, if any, is already kept).
      if (this.data.length > 0) out.push({ event: this.event || "message", data: this.data.join("\n"), id: this.lastEventId });
      this.data = [];
      this.event = "";
      return;
    }
    if (line.startsWith(":")) return; // a comment (the gateway's heartbeats)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data": this.data.push(value); break;
      case "event": this.event = value; break;
      case "id": if (!value.includes("\0")) this.lastEventId = value; break;
      case "retry": if (/^\d+$/.test(value)) this.retryMs = Number(value); break;
      default: break; // unknown fields are ignored
    }
  }
}
