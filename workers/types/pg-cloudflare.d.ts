// pg-cloudflare publishes its workerd build without matching type exports; this is the part we use.
declare module "pg-cloudflare" {
  import { EventEmitter } from "node:events";
  export class CloudflareSocket extends EventEmitter {
    constructor(ssl: boolean);
    end(data?: Uint8Array, encoding?: BufferEncoding, callback?: (...args: unknown[]) => void): this;
  }
}
