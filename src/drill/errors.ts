import { RampartError } from '../shared/errors.ts';

/**
 * The drill's one error class. Stable codes: DATA_DIR_NOT_EMPTY, CHAIN_FAILED,
 * SETUP_REFUSED (the core refused a setup command), NOT_DETECTED (the attack was not
 * detected within the drill's wait), ARGS_INVALID (CLI).
 */
export class DrillError extends RampartError {}
