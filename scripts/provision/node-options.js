'use strict';
/**
 * The V8 options every application process runs with (`npm start`, `npm run demo`, the container's
 * NODE_OPTIONS in the Dockerfile, and the processes the fault suite and the scale bench start).
 *
 * `--max-old-space-size=1024`: how far V8 lets the old generation grow before a full collection depends on the
 * heap's limit, and the default limit follows the host's memory (about 4 GB with 8 GB or more). With a limit of
 * 2 GB or more V8 lets the old generation grow to up to four times what survived the last full collection;
 * below, 1.3 to 2 times (1.6 at 1 GB). An API process has about 60 MB of heap alive, but a 200-item page of
 * `/tasks` or `/cases` makes megabytes of short-lived objects, and what is in flight when a scavenge runs is
 * promoted: on a 24 GB host the old generation reached 190–240 MB, mostly garbage, before its first full
 * collection, and the API's RSS 285–320 MB (the scale bench at 100 000 open cases; the target is 300 MB). With
 * 1 GB it is collected at about 90 MB and the API's peak stays near 220 MB, for a few more full collections
 * (incremental, tens of ms each). 1 GB is still more than fifteen times what a process keeps alive; a process
 * that really needs more fails loudly (out of memory) instead of quietly taking the host's memory. A smaller
 * young generation (`--max-semi-space-size`) does not help: more is promoted (peak 360 MB at 8 MB).
 * An option of the operator's own in NODE_OPTIONS wins.
 */
const APP_NODE_OPTIONS = ['--max-old-space-size=1024'];

/** NODE_OPTIONS for an application process: the operator's own, plus those of ours it does not set itself. */
function appNodeOptions(current = '') {
  const mine = current.split(/\s+/).filter(Boolean);
  const named = (o) => o.replace(/^--/, '').split('=')[0].replace(/_/g, '-');
  const extra = APP_NODE_OPTIONS.filter((o) => !mine.some((m) => named(m) === named(o)));
  return [...mine, ...extra].join(' ');
}

module.exports = { APP_NODE_OPTIONS, appNodeOptions };
