import type { Command } from '../command.js';
import { validateCommand } from './validate.js';
import { planCommand } from './plan.js';
import { applyCommand } from './apply.js';
import { runCommand } from './run.js';
import { exportCommand } from './export.js';
import { checkCommand } from './check.js';
import { adviseCommand } from './advise.js';
import { calibrateCommand } from './calibrate.js';

/** Every subcommand, in the order `pgindex --help` lists them. */
export const commands: Command[] = [validateCommand, planCommand, applyCommand, runCommand, exportCommand, adviseCommand, checkCommand, calibrateCommand];
