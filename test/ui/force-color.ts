// Imported first by tests that look at colours: Ink's chalk decides its colour level when it is loaded,
// and a test's stdout is not a terminal.
process.env.FORCE_COLOR = '1';
