/**
 * The one sealed exception hierarchy and its exit codes. Every failure cfsync reports is a
 * {@link io.cfsync.error.CfsyncException}; the CLI turns it into one line on stderr and an
 * exit code. The hierarchy lives in one package because a sealed class in the unnamed module
 * may only permit subclasses of its own package. No dependencies.
 */
package io.cfsync.error;
