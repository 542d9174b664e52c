// The few parts of cli-progress 3 the importer uses (the package ships no types).
declare module 'cli-progress' {
  export interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    fps?: number;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    stopOnComplete?: boolean;
    gracefulExit?: boolean;
    autopadding?: boolean;
  }

  export interface Bar {
    update(value: number, payload?: Record<string, unknown>): void;
  }

  export class MultiBar {
    constructor(options: Options, preset?: Options);
    create(total: number, startValue: number, payload?: Record<string, unknown>): Bar;
    log(text: string): void;
    stop(): void;
  }

  export const Presets: { shades_classic: Options; legacy: Options; rect: Options };
}
