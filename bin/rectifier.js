#!/usr/bin/env node
// The installed `rectifier` command: runs the compiled CLI.
import '../dist/cli/main.js';
