/**
 * The command line: picocli commands (one class per subcommand), the shared option mixins,
 * defaults from the config file, exit codes, one-line errors and the {@code --json}
 * documents. May use every other package; holds no firewall or fetching logic of its own,
 * only the wiring from options to {@code sync}, {@code source} and {@code backend}.
 */
package io.cfsync.cli;
