/* The OSI upper layers over COTP and MMS (ISO 9506) on top, as used by
 * IEC 61850 (8-1 profile): session SPDUs (ISO 8327 / X.225: CN, AC, GT+DT),
 * presentation (ISO 8823: CP/CPA sets, fully encoded user data), ACSE
 * (ISO 8650: AARQ/AARE user information EXTERNAL) and the MMS PDU.
 *
 * op encoding (docs/protocols/mms.md): func = confirmed service tag number
 * (0 status ... 77 fileDirectory) for confirmed request/response/error;
 * 0x100 | tag for unconfirmed services (0x100 informationReport);
 * 0x200 initiate, 0x201 conclude, 0x202 cancel, 0x203 reject. unit = 0. */
#include <string.h>

#include "iso_int.h"
#include "otw_app.h"

#define MMSF_UNCONFIRMED 0x100
#define MMSF_INITIATE 0x200
#define MMSF_CONCLUDE 0x201
#define MMSF_CANCEL 0x202
#define MMSF_REJECT 0x203
#define MMS_SVC_GET_NAME_LIST 1
#define MMS_SVC_IDENTIFY 2
#define MMS_SVC_READ 4
#define MMS_SVC_WRITE 5

struct opname {
	const char *name;
	const char *cat;
};

/* ConfirmedServiceRequest choices, ISO 9506-2 (tag numbers). */
static const struct opname mms_confirmed[80] = {
	[0] = { "status", OTW_CAT_DIAG },
	[1] = { "get_name_list", OTW_CAT_DIAG },
	[2] = { "identify", OTW_CAT_DIAG },
	[3] = { "rename", OTW_CAT_CONFIG },
	[4] = { "read", OTW_CAT_READ },
	[5] = { "write", OTW_CAT_WRITE },
	[6] = { "get_variable_access_attributes", OTW_CAT_DIAG },
	[7] = { "define_named_variable", OTW_CAT_CONFIG },
	[8] = { "define_scattered_access", OTW_CAT_CONFIG },
	[9] = { "get_scattered_access_attributes", OTW_CAT_DIAG },
	[10] = { "delete_variable_access", OTW_CAT_CONFIG },
	[11] = { "define_named_variable_list", OTW_CAT_CONFIG },
	[12] = { "get_named_variable_list_attributes", OTW_CAT_DIAG },
	[13] = { "delete_named_variable_list", OTW_CAT_CONFIG },
	[14] = { "define_named_type", OTW_CAT_CONFIG },
	[15] = { "get_named_type_attributes", OTW_CAT_DIAG },
	[16] = { "delete_named_type", OTW_CAT_CONFIG },
	[17] = { "input", OTW_CAT_READ },
	[18] = { "output", OTW_CAT_WRITE },
	[19] = { "take_control", OTW_CAT_CONTROL },
	[20] = { "relinquish_control", OTW_CAT_CONTROL },
	[21] = { "define_semaphore", OTW_CAT_CONFIG },
	[22] = { "delete_semaphore", OTW_CAT_CONFIG },
	[23] = { "report_semaphore_status", OTW_CAT_DIAG },
	[24] = { "report_pool_semaphore_status", OTW_CAT_DIAG },
	[25] = { "report_semaphore_entry_status", OTW_CAT_DIAG },
	[26] = { "initiate_download_sequence", OTW_CAT_PROGRAM },
	[27] = { "download_segment", OTW_CAT_PROGRAM },
	[28] = { "terminate_download_sequence", OTW_CAT_PROGRAM },
	[29] = { "initiate_upload_sequence", OTW_CAT_PROGRAM },
	[30] = { "upload_segment", OTW_CAT_PROGRAM },
	[31] = { "terminate_upload_sequence", OTW_CAT_PROGRAM },
	[32] = { "request_domain_download", OTW_CAT_PROGRAM },
	[33] = { "request_domain_upload", OTW_CAT_PROGRAM },
	[34] = { "load_domain_content", OTW_CAT_PROGRAM },
	[35] = { "store_domain_content", OTW_CAT_PROGRAM },
	[36] = { "delete_domain", OTW_CAT_PROGRAM },
	[37] = { "get_domain_attributes", OTW_CAT_DIAG },
	[38] = { "create_program_invocation", OTW_CAT_PROGRAM },
	[39] = { "delete_program_invocation", OTW_CAT_PROGRAM },
	[40] = { "start", OTW_CAT_CONTROL },
	[41] = { "stop", OTW_CAT_CONTROL },
	[42] = { "resume", OTW_CAT_CONTROL },
	[43] = { "reset", OTW_CAT_CONTROL },
	[44] = { "kill", OTW_CAT_CONTROL },
	[45] = { "get_program_invocation_attributes", OTW_CAT_DIAG },
	[46] = { "obtain_file", OTW_CAT_FILE },
	[47] = { "define_event_condition", OTW_CAT_CONFIG },
	[48] = { "delete_event_condition", OTW_CAT_CONFIG },
	[49] = { "get_event_condition_attributes", OTW_CAT_DIAG },
	[50] = { "report_event_condition_status", OTW_CAT_DIAG },
	[51] = { "alter_event_condition_monitoring", OTW_CAT_CONFIG },
	[52] = { "trigger_event", OTW_CAT_CONTROL },
	[53] = { "define_event_action", OTW_CAT_CONFIG },
	[54] = { "delete_event_action", OTW_CAT_CONFIG },
	[55] = { "get_event_action_attributes", OTW_CAT_DIAG },
	[56] = { "report_event_action_status", OTW_CAT_DIAG },
	[57] = { "define_event_enrollment", OTW_CAT_CONFIG },
	[58] = { "delete_event_enrollment", OTW_CAT_CONFIG },
	[59] = { "alter_event_enrollment", OTW_CAT_CONFIG },
	[60] = { "report_event_enrollment_status", OTW_CAT_DIAG },
	[61] = { "get_event_enrollment_attributes", OTW_CAT_DIAG },
	[62] = { "acknowledge_event_notification", OTW_CAT_WRITE },
	[63] = { "get_alarm_summary", OTW_CAT_READ },
	[64] = { "get_alarm_enrollment_summary", OTW_CAT_READ },
	[65] = { "read_journal", OTW_CAT_READ },
	[66] = { "write_journal", OTW_CAT_WRITE },
	[67] = { "initialize_journal", OTW_CAT_WRITE },
	[68] = { "report_journal_status", OTW_CAT_DIAG },
	[69] = { "create_journal", OTW_CAT_CONFIG },
	[70] = { "delete_journal", OTW_CAT_CONFIG },
	[71] = { "get_capability_list", OTW_CAT_DIAG },
	[72] = { "file_open", OTW_CAT_FILE },
	[73] = { "file_read", OTW_CAT_FILE },
	[74] = { "file_close", OTW_CAT_FILE },
	[75] = { "file_rename", OTW_CAT_FILE },
	[76] = { "file_delete", OTW_CAT_FILE },
	[77] = { "file_directory", OTW_CAT_FILE },
};

static const struct opname mms_unconfirmed[3] = {
	[0] = { "information_report", OTW_CAT_MONITOR },
	[1] = { "unsolicited_status", OTW_CAT_MONITOR },
	[2] = { "event_notification", OTW_CAT_MONITOR },
};

static const struct opname mms_other[4] = {
	[0] = { "initiate", OTW_CAT_SESSION },
	[1] = { "conclude", OTW_CAT_SESSION },
	[2] = { "cancel", OTW_CAT_SESSION },
	[3] = { "reject", OTW_CAT_OTHER },
};

const char *otw_iso_mms_name(unsigned func, const char **cat)
{
	const struct opname *o = NULL;

	if (func < 80)
		o = &mms_confirmed[func];
	else if (func >= MMSF_UNCONFIRMED && func < MMSF_UNCONFIRMED + 3)
		o = &mms_unconfirmed[func - MMSF_UNCONFIRMED];
	else if (func >= MMSF_INITIATE && func <= MMSF_REJECT)
		o = &mms_other[func - MMSF_INITIATE];
	if (o == NULL || o->name == NULL)
		return NULL;
	*cat = o->cat;
	return o->name;
}

static void remember(struct iso_state *st, uint32_t invoke, unsigned svc)
{
	st->u.mms.gnl_domains = 0;
	st->u.mms.invoke[0] = (uint8_t)(invoke >> 24);
	st->u.mms.invoke[1] = (uint8_t)(invoke >> 16);
	st->u.mms.invoke[2] = (uint8_t)(invoke >> 8);
	st->u.mms.invoke[3] = (uint8_t)invoke;
	st->u.mms.service = (uint8_t)svc;
}

static bool recall(const struct iso_state *st, uint32_t invoke, unsigned *svc)
{
	uint32_t v = (uint32_t)st->u.mms.invoke[0] << 24 |
		     (uint32_t)st->u.mms.invoke[1] << 16 |
		     (uint32_t)st->u.mms.invoke[2] << 8 | st->u.mms.invoke[3];
	if (v != invoke || st->u.mms.service == 0xff)
		return false;
	*svc = st->u.mms.service;
	return true;
}

static void server_role(const struct otw_dctx *x, struct iso_state *st)
{
	if (x->from_client || (st->flags & ISO_F_ROLE))
		return;
	st->flags |= ISO_F_ROLE;
	otw_attr_report(x, true, OTW_ATTR_ROLE, "ied", 3);
}

/* Identify-Response: vendorName [0], modelName [1], revision [2]. */
static void identify_response(const struct otw_dctx *x, struct otw_cur v)
{
	static const uint8_t keys[3] = { OTW_ATTR_VENDOR, OTW_ATTR_MODEL,
					 OTW_ATTR_FIRMWARE };
	struct otw_ber t;

	while (otw_cur_left(&v) > 0 && otw_ber_next(&v, &t, false)) {
		uint8_t s[OTW_ATTR_VAL_MAX];
		size_t n = otw_cur_left(&t.v);
		if (BER_CLS(t.id) != 0x80 || t.num > 2)
			continue;
		if (n > sizeof(s))
			n = sizeof(s);
		if (otw_cur_bytes(&t.v, s, n))
			otw_iso_attr(x, true, keys[t.num], s, n);
	}
}

#define MMS_DOMAINS_MAX 16 /* domain facts per PDU */

/* A domain (logical device) name, as a fact of the server. */
static void domain_fact(const struct otw_dctx *x, const struct otw_ber *id)
{
	uint8_t s[OTW_ATTR_VAL_MAX];
	size_t n = otw_cur_left(&id->v);

	if (id->id != 0x1a || n == 0) /* Identifier: VisibleString */
		return;
	if (n > sizeof(s))
		n = sizeof(s);
	if (otw_cur_bytes(&(struct otw_cur){ id->v.p, id->v.end }, s, n))
		otw_iso_attr(x, !x->from_client, OTW_ATTR_DOMAIN, s, n);
}

/* VariableAccessSpecification (ISO 9506-2 §14.1): for listOfVariable [0],
 * the domainId of each domain-specific [1] ObjectName. */
static void access_domains(const struct otw_dctx *x, const struct otw_ber *vas)
{
	struct otw_cur l = vas->v;
	struct otw_ber seq, name, obj, dom;
	unsigned n = 0;

	if (vas->id != 0xa0)
		return;
	while (n < MMS_DOMAINS_MAX && otw_cur_left(&l) > 0 &&
	       otw_ber_next(&l, &seq, true)) {
		struct otw_cur e = seq.v, o;
		if (seq.id != 0x30 || !otw_ber_next(&e, &name, true) ||
		    name.id != 0xa0) /* variableSpecification: name [0] */
			continue;
		o = name.v;
		if (!otw_ber_next(&o, &obj, true) || obj.id != 0xa1)
			continue; /* vmd- or aa-specific: no domain */
		o = obj.v;
		if (otw_ber_next(&o, &dom, true)) {
			domain_fact(x, &dom);
			n++;
		}
	}
}

/* Domain names a confirmed request or response carries: Read [4] and
 * Write [5] requests name the variables' domains, a getNameList [1]
 * response of the domain class lists them (ListOfIdentifier [0]). svc is
 * the service TLV. */
static void service_domains(const struct otw_dctx *x, struct iso_state *st,
			    const struct otw_ber *svc, bool request)
{
	struct otw_cur v = svc->v;
	struct otw_ber f, g;

	if (request && svc->num == MMS_SVC_GET_NAME_LIST) {
		/* objectClass [0] { basicObjectClass [0] 9 = domain } */
		uint32_t cls;
		if (otw_ber_next(&v, &f, true) && f.id == 0xa0 &&
		    otw_ber_next(&f.v, &g, true) && g.id == 0x80 &&
		    otw_ber_uint(g.v, &cls) && cls == 9)
			st->u.mms.gnl_domains = 1;
	} else if (request && svc->num == MMS_SVC_READ) {
		/* [specificationWithResult [0]], variableAccessSpecificatn [1] */
		if (otw_ber_find(v, 0xa1, &f, true) &&
		    otw_ber_next(&f.v, &g, true))
			access_domains(x, &g);
	} else if (request && svc->num == MMS_SVC_WRITE) {
		if (otw_ber_next(&v, &f, true))
			access_domains(x, &f);
	} else if (!request && svc->num == MMS_SVC_GET_NAME_LIST &&
		   st->u.mms.gnl_domains) {
		unsigned n = 0;
		if (!otw_ber_next(&v, &f, true) || f.id != 0xa0)
			return;
		while (n++ < MMS_DOMAINS_MAX && otw_cur_left(&f.v) > 0 &&
		       otw_ber_next(&f.v, &g, true))
			domain_fact(x, &g);
	}
}

enum otw_verdict otw_iso_mms(struct otw_cur *pdu, struct otw_dctx *x,
			     struct iso_state *st, bool partial)
{
	struct otw_ber t, f;
	struct otw_op op = { .app = OTW_APP_MMS, .addr = OTW_ADDR_NONE };
	uint32_t invoke = 0;
	unsigned svc;

	if (!otw_ber_next(pdu, &t, partial))
		return partial ? OTW_OK : OTW_MALFORMED;
	if (BER_CLS(t.id) != 0xa0 && BER_CLS(t.id) != 0x80)
		return OTW_MALFORMED;
	switch (t.num) {
	case 0: /* confirmed-RequestPDU: invokeID, [listOfModifier], service */
	case 1: /* confirmed-ResponsePDU: invokeID, service */
		if (BER_CLS(t.id) != 0xa0)
			return OTW_MALFORMED;
		if (!otw_ber_next(&t.v, &f, t.cut) || f.id != 0x02 ||
		    !otw_ber_uint(f.v, &invoke))
			return t.cut ? OTW_OK : OTW_MALFORMED;
		if (t.num == 0 && otw_ber_tag(&(struct otw_cur){ t.v.p, t.v.end },
					      &f.id, &f.num) &&
		    f.id == 0x30 && !otw_ber_next(&t.v, &f, t.cut))
			return t.cut ? OTW_OK : OTW_MALFORMED; /* modifiers */
		/* the service: its tag is enough (a cut PDU may end there) */
		{
			struct otw_cur sv = t.v;
			if (!otw_ber_tag(&sv, &f.id, &f.num))
				return t.cut ? OTW_OK : OTW_MALFORMED;
		}
		if (BER_CLS(f.id) != 0x80 && BER_CLS(f.id) != 0xa0)
			return OTW_MALFORMED;
		op.func = f.num < 0x100 ? (uint16_t)f.num : 0xff;
		if (t.num == 0) {
			op.kind = OTW_OPK_REQUEST;
			remember(st, invoke, op.func);
			if (otw_ber_next(&t.v, &f, true))
				service_domains(x, st, &f, true);
		} else {
			op.kind = OTW_OPK_RESPONSE;
			server_role(x, st);
			if (!otw_ber_next(&t.v, &f, true))
				break;
			if (f.num == MMS_SVC_IDENTIFY)
				identify_response(x, f.v);
			else if (recall(st, invoke, &svc) && svc == f.num)
				service_domains(x, st, &f, false);
		}
		break;
	case 2: /* confirmed-ErrorPDU: invokeID [0], ..., serviceError */
		if (BER_CLS(t.id) != 0xa0)
			return OTW_MALFORMED;
		if (!otw_ber_next(&t.v, &f, t.cut) || f.id != 0x80 ||
		    !otw_ber_uint(f.v, &invoke))
			return t.cut ? OTW_OK : OTW_MALFORMED;
		if (!recall(st, invoke, &svc))
			svc = 0xff; /* not paired: unknown service */
		op.func = (uint16_t)svc;
		op.kind = OTW_OPK_EXCEPTION;
		break;
	case 3: /* unconfirmed-PDU: service */
		if (BER_CLS(t.id) != 0xa0)
			return OTW_MALFORMED;
		if (!otw_ber_next(&t.v, &f, t.cut))
			return t.cut ? OTW_OK : OTW_MALFORMED;
		op.func = (uint16_t)(MMSF_UNCONFIRMED + (f.num & 0xff));
		op.kind = x->from_client ? OTW_OPK_REQUEST : OTW_OPK_RESPONSE;
		break;
	case 4: /* rejectPDU */
		op.func = MMSF_REJECT;
		op.kind = OTW_OPK_EXCEPTION;
		break;
	case 5: case 6: case 7: /* cancel request / response / error */
		op.func = MMSF_CANCEL;
		op.kind = t.num == 5 ? OTW_OPK_REQUEST : t.num == 6
				 ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION;
		break;
	case 8: case 9: case 10: /* initiate request / response / error */
		op.func = MMSF_INITIATE;
		op.kind = t.num == 8 ? OTW_OPK_REQUEST : t.num == 9
				 ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION;
		if (t.num == 9)
			server_role(x, st);
		break;
	case 11: case 12: case 13: /* conclude request / response / error */
		op.func = MMSF_CONCLUDE;
		op.kind = t.num == 11 ? OTW_OPK_REQUEST : t.num == 12
				  ? OTW_OPK_RESPONSE : OTW_OPK_EXCEPTION;
		break;
	default:
		return OTW_MALFORMED;
	}
	otw_op_report(x, &op);
	return OTW_OK;
}

/* Presentation fully-encoded-data [APPLICATION 1]: PDV-list(s) whose
 * single-ASN1-type [0] holds the ACSE or MMS PDU. */
static bool pres_user_data(struct otw_cur c, struct otw_cur *out, bool lenient)
{
	struct otw_ber t;

	if (!otw_ber_next(&c, &t, lenient) || t.id != 0x61 ||
	    !otw_ber_find(t.v, 0x30, &t, lenient) ||
	    !otw_ber_find(t.v, 0xa0, &t, lenient))
		return false;
	*out = t.v;
	return true;
}

/* CP-type / CPA-PPDU: SET { mode-selector [0], normal-mode [2] {...,
 * user-data } } -> AARQ/AARE -> user-information [30] -> EXTERNAL ->
 * single-ASN1-type [0] -> MMS initiate PDU. */
static enum otw_verdict osi_connect(struct otw_cur ud, struct otw_dctx *x,
				    struct iso_state *st, bool partial)
{
	struct otw_ber t;
	struct otw_cur a;

	if (!otw_ber_next(&ud, &t, partial) || t.id != 0x31 ||
	    !otw_ber_find(t.v, 0xa2, &t, partial))
		return OTW_OK; /* refused or not normal mode: nothing for us */
	/* the user data follows the normal-mode parameters we skip */
	{
		struct otw_cur n = t.v;
		bool found = false;
		while (otw_cur_left(&n) > 0) {
			struct otw_cur save = n;
			struct otw_ber u;
			if (!otw_ber_next(&n, &u, partial))
				break;
			if (u.id == 0x61) {
				found = pres_user_data(save, &a, partial);
				break;
			}
		}
		if (!found)
			return OTW_OK;
	}
	if (!otw_ber_next(&a, &t, partial) || (t.id != 0x60 && t.id != 0x61))
		return OTW_OK; /* not AARQ/AARE */
	if (!otw_ber_find(t.v, 0xbe, &t, partial) ||
	    !otw_ber_find(t.v, 0x28, &t, partial) ||
	    !otw_ber_find(t.v, 0xa0, &t, partial))
		return OTW_OK;
	return otw_iso_mms(&t.v, x, st, partial || t.cut);
}

/* Session SPDUs (X.225): SI, LI (0xff: 2 more octets), parameters; the
 * user information of DT follows its parameters; CN/AC carry it in the
 * User Data parameter (PGI 193) or Extended User Data (194). */
enum otw_verdict otw_iso_osi(struct otw_cur *pdu, struct otw_dctx *x,
			     struct iso_state *st, bool partial)
{
	for (int n = 0; n < 4 && otw_cur_left(pdu) > 0; n++) {
		uint8_t si, l8;
		uint16_t li;
		struct otw_cur par;

		if (!otw_cur_u8(pdu, &si) || !otw_cur_u8(pdu, &l8))
			return partial ? OTW_OK : OTW_MALFORMED;
		li = l8;
		if (l8 == 0xff && !otw_cur_u16be(pdu, &li))
			return partial ? OTW_OK : OTW_MALFORMED;
		if (!otw_cur_sub(pdu, li, &par)) {
			if (!partial)
				return OTW_MALFORMED;
			par = *pdu;
			pdu->p = pdu->end;
		}
		switch (si) {
		case 0x01: /* GT (first, empty) then DT: user data follows */
			if (n == 0 && li == 0 && otw_cur_left(pdu) > 0)
				continue;
			{
				struct otw_cur m;
				if (!pres_user_data(*pdu, &m, partial))
					return OTW_OK;
				return otw_iso_mms(&m, x, st, partial);
			}
		case 0x0d: /* CN */
		case 0x0e: /* AC */
			while (otw_cur_left(&par) >= 2) {
				uint8_t pi, pl8;
				uint16_t pl;
				struct otw_cur v;
				if (!otw_cur_u8(&par, &pi) || !otw_cur_u8(&par, &pl8))
					break;
				pl = pl8;
				if (pl8 == 0xff && !otw_cur_u16be(&par, &pl))
					break;
				if (!otw_cur_sub(&par, pl, &v)) {
					if (!partial)
						return OTW_MALFORMED;
					v = par;
					par.p = par.end;
				}
				if (pi == 0xc1 || pi == 0xc2)
					return osi_connect(v, x, st, partial);
			}
			return OTW_OK;
		default: /* FN, DN, AB, RF ...: release, nothing to count */
			return OTW_OK;
		}
	}
	return OTW_OK;
}
