/**
 * The SSH-box provider: attempts on machines you already have, reached over SSH. Start with
 * {@link dev.flash.providers.ssh.SshProviderFactory} (settings) or
 * {@link dev.flash.providers.ssh.SshProvider#create(SshOptions)} (code).
 */
package dev.flash.providers.ssh;
