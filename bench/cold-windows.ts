/** The calls the cold benchmark times in each fresh process, and the windows it reports (1-based, inclusive). */
export const COLD_CALLS = 1000;
export const COLD_WINDOWS: readonly (readonly [number, number])[] = [
  [1, 10],
  [11, 100],
  [101, 1000],
];
