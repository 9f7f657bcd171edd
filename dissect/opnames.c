#include "opnames.h"

#include <stddef.h>

#include "otw_app.h"

struct opname {
	const char *name;
	const char *cat;
};

/* Modbus Application Protocol Specification V1.1b3 §6, plus the
 * vendor-defined codes users care about (Schneider UMAS on 90). */
static const struct opname modbus_ops[128] = {
	[1] = { "read_coils", OTW_CAT_READ },
	[2] = { "read_discrete_inputs", OTW_CAT_READ },
	[3] = { "read_holding_registers", OTW_CAT_READ },
	[4] = { "read_input_registers", OTW_CAT_READ },
	[5] = { "write_single_coil", OTW_CAT_WRITE },
	[6] = { "write_single_register", OTW_CAT_WRITE },
	[7] = { "read_exception_status", OTW_CAT_DIAG },
	[8] = { "diagnostics", OTW_CAT_DIAG },
	[11] = { "get_comm_event_counter", OTW_CAT_DIAG },
	[12] = { "get_comm_event_log", OTW_CAT_DIAG },
	[15] = { "write_multiple_coils", OTW_CAT_WRITE },
	[16] = { "write_multiple_registers", OTW_CAT_WRITE },
	[17] = { "report_server_id", OTW_CAT_DIAG },
	[20] = { "read_file_record", OTW_CAT_READ },
	[21] = { "write_file_record", OTW_CAT_WRITE },
	[22] = { "mask_write_register", OTW_CAT_WRITE },
	[23] = { "read_write_multiple_registers", OTW_CAT_WRITE },
	[24] = { "read_fifo_queue", OTW_CAT_READ },
	[43] = { "encapsulated_interface_transport", OTW_CAT_DIAG },
	[90] = { "schneider_umas", OTW_CAT_PROGRAM },
	[125] = { "modicon_program", OTW_CAT_PROGRAM },
	[126] = { "modicon_program", OTW_CAT_PROGRAM },
};

const char *otw_op_name(unsigned app, unsigned func, const char **category)
{
	const struct opname *o = NULL;

	if (app == OTW_APP_MODBUS && func < 128 && modbus_ops[func].name)
		o = &modbus_ops[func];
	if (category)
		*category = o ? o->cat : OTW_CAT_OTHER;
	return o ? o->name : NULL;
}
