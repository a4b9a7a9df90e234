/**
 * Where lists come from and the gate they pass: one class per source kind behind
 * {@link io.cfsync.source.Source}, the {@link io.cfsync.source.Validator} every byte goes
 * through, and the okhttp client with its timeouts, retries, redirect rules, conditional
 * requests and body cap. May use {@code model} and {@code error}. Must never touch the
 * firewall, never follow a redirect to plain http off loopback, and never hand on a list
 * that did not validate: bad content is {@link io.cfsync.error.SourceRejected}, no content
 * is {@link io.cfsync.error.SourceUnavailable} (the caller decides about fallback).
 */
package io.cfsync.source;
