#!/usr/bin/env node
// Installed as `cairn-verify`: present before the build, so npm links it at install time.
import "../dist/src/bin.js";
