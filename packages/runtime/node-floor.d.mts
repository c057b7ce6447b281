/** The first Node that strips types without a flag. */
export declare const NODE_FLOOR: string;
/** Checks the Node floor, turns on the compile cache, then imports the entry. */
export declare function launch(entry: URL | string, name: string): Promise<void>;
