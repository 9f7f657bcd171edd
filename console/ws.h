/* /api/v1/ws: a WebSocket that pushes counters every second and new
 * alerts as they are stored. Signed-in browsers (session cookie, same
 * Origin) or API tokens (Bearer) may subscribe; a socket closes when its
 * session ends. Messages (JSON text frames):
 *   {"type":"tick","records":{...},"counters":{...},"last_alert":N}
 *   {"type":"alerts","items":[{id,severity,status,title,src_ip,dst_ip}]} */
#ifndef OTW_WS_H
#define OTW_WS_H

struct otw_console;
struct otw_ws;

/* Register the handler on c->ctx and start the pusher thread. 0 or
 * -errno. */
int otw_ws_start(struct otw_console *c, struct otw_ws **out);
/* Stop the pusher (before mg_stop, which closes the sockets), and free
 * ws after mg_stop (the close callbacks still use it). NULL is a no-op. */
void otw_ws_stop(struct otw_ws *ws);
void otw_ws_free(struct otw_ws *ws);

#endif
