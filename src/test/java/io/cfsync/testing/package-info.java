/**
 * Test fixtures shared by the unit and HTTP tests: Cloudflare's real lists, the remote source
 * kinds as WireMock stubs, a raw-socket HTTP server for answers WireMock will not give
 * (short bodies, connection-delimited bodies), a CONNECT proxy, and recording sleeper and
 * log. May use every main package. Must never reach the network beyond loopback, sleep, or
 * touch the machine's firewall.
 */
package io.cfsync.testing;
