// ISO-8601 durations as the Batch API uses them for resizeTimeout (e.g. PT15M, PT1H30M, P1D).

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Milliseconds, or undefined when the text is not an ISO-8601 duration the Batch API would accept. */
export function parseIsoDuration(text: string): number | undefined {
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || /T$/i.test(text)) return undefined;
  const [, d, h, min, s] = m;
  return (Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(min ?? 0) * 60 + Number(s ?? 0)) * 1000;
}

export const MIN_RESIZE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_RESIZE_TIMEOUT = 'PT15M';
