export * from './errors.ts';
export * from './limits.ts';
export * from './http.ts';
export * from './signaling.ts';
export * from './parse.ts';
