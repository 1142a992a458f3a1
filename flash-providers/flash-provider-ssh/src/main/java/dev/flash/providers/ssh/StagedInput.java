package dev.flash.providers.ssh;

/**
 * What copying one input to a host did.
 *
 * @param host the host's alias
 * @param name the input's name on the host
 * @param size its size in bytes
 * @param sent bytes sent this time
 * @param resumedFrom where the copy started: the size of a matching partial copy found on the host, else 0
 * @param skipped true when the host already had the whole file with the right sha256 (nothing sent)
 */
public record StagedInput(String host, String name, long size, long sent, long resumedFrom, boolean skipped) {}
