/* Names shared by the processes: rings, pools, memzones, sockets. */
#ifndef OTW_IPC_T_H
#define OTW_IPC_T_H

#define OTW_MAX_WORKERS 16
#define OTW_MAX_PORTS 8

/* DPDK objects created by otw-capture (primary), found by otw-dissect. */
#define OTW_RING_FMT "otw_rx_%u"       /* one SP/SC ring per worker */
#define OTW_POOL_NAME "otw_mbufs"
#define OTW_STATS_MZ "otw_stats"       /* struct otw_stats_shm */

/* NNG: workers push event batches, otw-baseline pulls. */
#define OTW_EV_URL_DEFAULT "ipc:///run/otwatch/events.ipc"

/* Default on-disk state. */
#define OTW_STORE_DIR_DEFAULT "/var/lib/otwatch"

#endif
