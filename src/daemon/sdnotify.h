/* sdnotify.h -- tell systemd (Type=notify) that dockaudit is ready, is
 * reloading or stopping: one datagram to $NOTIFY_SOCKET, the protocol of
 * sd_notify(3), without libsystemd.  A no-op when the variable is unset. */
#ifndef DA_SDNOTIFY_H
#define DA_SDNOTIFY_H

/* Send state ("READY=1", "STOPPING=1", "RELOADING=1\nMONOTONIC_USEC=..."):
 * returns 1 when sent, 0 when not under systemd, -1 on error (errno). */
int	sdnotify(const char *state);

#endif
