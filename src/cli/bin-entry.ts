#!/usr/bin/env node
/**
 * The installed `tandem` command (package.json "bin"). npm puts a symlink to this file on the PATH
 * (`npm install -g`, `npm link`, `npx`), so it runs the CLI unconditionally: it never asks whether it
 * is the entry point by comparing file names, which a symlink named `tandem` defeats.
 */
import { runMain } from './main.js';

runMain();
