export * from './Measurement';
export * from './Harness';
