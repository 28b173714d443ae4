/**
 * `rampart drill` (issue 8, "Drill"): the M2 hot-wallet breach replayed end to end on the
 * devnets against the real engine, with measured detection and freeze times.
 */
export { DrillError } from './errors.ts';
export { type DrillOptions, type DrillResult, type DrillTimelineLine, runDrill } from './drill.ts';
