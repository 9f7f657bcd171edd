/* Unit tests of the SMB dissector plug-in (dissect/smb.c). */
#include "dis_harness.h"

static void le16(struct pb *b, uint16_t v) { pb_u8(b, (uint8_t)v); pb_u8(b, (uint8_t)(v >> 8)); }
static void le32(struct pb *b, uint32_t v) { le16(b, (uint16_t)v); le16(b, (uint16_t)(v >> 16)); }

static void utf16(struct pb *b, const char *s)
{
	for (; *s; s++)
		le16(b, (uint8_t)*s);
}

/* SMB2 header for cmd; resp sets SERVER_TO_REDIR. */
static void smb2_hdr(struct pb *b, uint16_t cmd, bool resp, uint32_t status)
{
	pb_bytes(b, "\xfeSMB", 4);
	le16(b, 64);
	le16(b, 0);
	le32(b, status);
	le16(b, cmd);
	le16(b, 1);
	le32(b, resp ? 1 : 0);
	le32(b, 0);
	for (int i = 0; i < 40; i++)
		pb_u8(b, 0);
}

/* NBSS framing around b. */
static void nbss(struct pb *out, const struct pb *b)
{
	out->n = 0;
	pb_u8(out, 0);
	pb_u8(out, 0);
	pb_u16(out, (uint16_t)b->n);
	pb_bytes(out, b->b, b->n);
}

static void challenge(struct pb *m)
{
	struct pb ti = { .n = 0 };
	le16(&ti, 1); le16(&ti, 14); utf16(&ti, "PLC-ENG");
	le16(&ti, 4); le16(&ti, 22); utf16(&ti, "plant.local");
	le16(&ti, 3); le16(&ti, 32); utf16(&ti, "eng1.plant.local");
	le16(&ti, 0); le16(&ti, 0);
	pb_bytes(m, "NTLMSSP\0", 8);
	le32(m, 2);
	le16(m, 0); le16(m, 0); le32(m, 56);       /* target name */
	le32(m, 0x02810201);                        /* flags: unicode, version */
	for (int i = 0; i < 16; i++)
		pb_u8(m, 0);                        /* challenge, reserved */
	le16(m, (uint16_t)ti.n); le16(m, (uint16_t)ti.n); le32(m, 56);
	pb_u8(m, 10); pb_u8(m, 0); le16(m, 19041); pb_bytes(m, "\0\0\0\x0f", 4);
	pb_bytes(m, ti.b, ti.n);
}

static void authenticate(struct pb *m)
{
	pb_bytes(m, "NTLMSSP\0", 8);
	le32(m, 3);
	for (int f = 0; f < 6; f++) { /* lm, nt, domain, user, workstation, key */
		uint16_t len = f == 3 ? 16 : f == 4 ? 12 : 0;
		le16(m, len); le16(m, len); le32(m, f == 3 ? 72 : 88);
	}
	le32(m, 0x02000001);
	pb_u8(m, 6); pb_u8(m, 1); le16(m, 7601); pb_bytes(m, "\0\0\0\x0f", 4);
	utf16(m, "operator");
	utf16(m, "HMI-01");
}

static void smb2_negotiate_ntlm_and_errors(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct pb b, f, m;
	struct opsum o;
	(void)s;
	conv_init(&cv, e, 50000, 445);
	b.n = 0;
	smb2_hdr(&b, 0, false, 0);
	le16(&b, 36); le16(&b, 3); le16(&b, 1); le16(&b, 0); le32(&b, 0);
	for (int i = 0; i < 24; i++)
		pb_u8(&b, 0);
	le16(&b, 0x0202); le16(&b, 0x0311); le16(&b, 0x0300);
	nbss(&f, &b);
	conv_send(&cv, true, f.b, f.n);
	b.n = 0;
	smb2_hdr(&b, 0, true, 0);
	le16(&b, 65); le16(&b, 1); le16(&b, 0x0302);
	nbss(&f, &b);
	conv_send(&cv, false, f.b, f.n);
	/* SESSION_SETUP response: MORE_PROCESSING + CHALLENGE */
	b.n = 0;
	smb2_hdr(&b, 1, true, 0xc0000016);
	m.n = 0;
	challenge(&m);
	le16(&b, 9); le16(&b, 0); le16(&b, 72); le16(&b, (uint16_t)m.n);
	pb_bytes(&b, m.b, m.n);
	nbss(&f, &b);
	conv_send(&cv, false, f.b, f.n);
	/* SESSION_SETUP request with AUTHENTICATE */
	b.n = 0;
	smb2_hdr(&b, 1, false, 0);
	m.n = 0;
	authenticate(&m);
	le16(&b, 25); pb_u8(&b, 0); pb_u8(&b, 1); le32(&b, 0); le32(&b, 0);
	le16(&b, 88); le16(&b, (uint16_t)m.n); le32(&b, 0); le32(&b, 0);
	pb_bytes(&b, m.b, m.n);
	nbss(&f, &b);
	conv_send(&cv, true, f.b, f.n);
	/* CREATE denied, then a READ cut across two segments */
	b.n = 0;
	smb2_hdr(&b, 5, true, 0xc0000022);
	le16(&b, 9); le16(&b, 0); le32(&b, 0); pb_u8(&b, 0);
	nbss(&f, &b);
	conv_send(&cv, false, f.b, f.n);
	b.n = 0;
	smb2_hdr(&b, 8, true, 0);
	for (int i = 0; i < 400; i++)
		pb_u8(&b, 0xfe);
	nbss(&f, &b);
	conv_send(&cv, false, f.b, 200);
	conv_send(&cv, false, f.b + 200, f.n - 200);
	otw_engine_flush(e, true);

	o = find_op(OTW_APP_SMB, 0);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_true(o.unit == 0x0311 || o.unit == 0x0302);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_CAPABILITIES, "smb 3.0.2"));
	o = find_op(OTW_APP_SMB, 1);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.responses, 1);
	assert_int_equal(o.exceptions, 0);
	assert_int_equal(find_op(OTW_APP_SMB, 5).exceptions, 1);
	assert_int_equal(find_op(OTW_APP_SMB, 8).responses, 1);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_NAME, "PLC-ENG"));
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_HOSTNAME, "eng1.plant.local"));
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_DOMAIN, "plant.local"));
	assert_int_equal(find_attr(OTW_APP_SMB, OTW_ATTR_DOMAIN, NULL)->ip.b[15], SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_OS, "Windows 10.0 build 19041"));
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_OS, "Windows 6.1 build 7601"));
	assert_int_equal(find_attr(OTW_APP_SMB, OTW_ATTR_HOSTNAME, "HMI-01")->ip.b[15],
			 CIP & 0xff);
	for (unsigned i = 0; i < cap.n; i++) /* the user name is never reported */
		if (cap.ev[i].kind == OTW_EV_ATTR)
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len,
					   "operator", 8));
	assert_int_equal(malformed(e, OTW_APP_SMB), 0);
	otw_engine_destroy(e);
}

static void smb1_and_netbios_session(void **s)
{
	struct otw_engine *e = mk();
	struct conv cv;
	struct pb b, f;
	static const uint8_t keepalive[] = { 0x85, 0, 0, 0 };
	(void)s;
	conv_init(&cv, e, 50000, 139);
	/* session request: called "PLC1", calling "ENGWS" */
	b.n = 0;
	pb_u8(&b, 0x81); pb_u8(&b, 0); pb_u16(&b, 68);
	for (int k = 0; k < 2; k++) {
		const char *nm = k ? "ENGWS" : "PLC1";
		char pad[16];
		memset(pad, ' ', 16);
		memcpy(pad, nm, strlen(nm));
		pad[15] = 0x20;
		pb_u8(&b, 32);
		for (int i = 0; i < 16; i++) {
			pb_u8(&b, (uint8_t)('A' + ((uint8_t)pad[i] >> 4)));
			pb_u8(&b, (uint8_t)('A' + (pad[i] & 15)));
		}
		pb_u8(&b, 0);
	}
	conv_send(&cv, true, b.b, b.n);
	b.n = 0;
	pb_u8(&b, 0x82); pb_u8(&b, 0); pb_u16(&b, 0);
	conv_send(&cv, false, b.b, b.n);
	conv_send(&cv, true, keepalive, 4);
	/* SMB1 negotiate request and response */
	b.n = 0;
	pb_bytes(&b, "\xffSMB\x72", 5);
	le32(&b, 0); pb_u8(&b, 0x18); le16(&b, 0xc853);
	for (int i = 0; i < 20; i++)
		pb_u8(&b, 0);
	pb_u8(&b, 0); le16(&b, 12); pb_bytes(&b, "\x02NT LM 0.12\0", 12);
	nbss(&f, &b);
	conv_send(&cv, true, f.b, f.n);
	b.b[9] = 0x98; /* reply */
	b.b[5] = 0x22; b.b[8] = 0xc0; /* STATUS_ACCESS_DENIED */
	nbss(&f, &b);
	conv_send(&cv, false, f.b, f.n);
	/* SESSION_SETUP_ANDX request (WC 13, Unicode) and response (WC 3) */
	b.n = 0;
	pb_bytes(&b, "\xffSMB\x73", 5);
	le32(&b, 0); pb_u8(&b, 0x18); le16(&b, 0xc803);
	for (int i = 0; i < 20; i++)
		pb_u8(&b, 0);
	pb_u8(&b, 13);
	for (int i = 0; i < 7; i++)
		le16(&b, 0);
	le16(&b, 1); le16(&b, 0); /* passwords: 1 + 0 bytes */
	for (int i = 0; i < 4; i++)
		le16(&b, 0);
	{
		size_t bc_at = b.n;
		le16(&b, 0);
		pb_u8(&b, 0);      /* password */
		utf16(&b, "operator"); le16(&b, 0);
		utf16(&b, "WG"); le16(&b, 0);
		utf16(&b, "Windows 2002 Service Pack 3 2600"); le16(&b, 0);
		utf16(&b, "Windows 2002 5.1"); le16(&b, 0);
		b.b[bc_at] = (uint8_t)(b.n - bc_at - 2);
		b.b[bc_at + 1] = (uint8_t)((b.n - bc_at - 2) >> 8);
	}
	nbss(&f, &b);
	conv_send(&cv, true, f.b, f.n);
	b.n = 0;
	pb_bytes(&b, "\xffSMB\x73", 5);
	le32(&b, 0); pb_u8(&b, 0x98); le16(&b, 0xc803);
	for (int i = 0; i < 20; i++)
		pb_u8(&b, 0);
	pb_u8(&b, 3);
	le16(&b, 0xff); le16(&b, 0); le16(&b, 0);
	{
		size_t bc_at = b.n;
		le16(&b, 0);
		pb_u8(&b, 0); /* pad to even */
		utf16(&b, "Windows 5.1"); le16(&b, 0);
		utf16(&b, "Windows 2000 LAN Manager"); le16(&b, 0);
		b.b[bc_at] = (uint8_t)(b.n - bc_at - 2);
	}
	nbss(&f, &b);
	conv_send(&cv, false, f.b, f.n);
	otw_engine_flush(e, true);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_OS, "Windows 5.1"));
	assert_int_equal(find_attr(OTW_APP_SMB, OTW_ATTR_OS, "Windows 5.1")->ip.b[15],
			 SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_SERVER, "Windows 2000 LAN Manager"));
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_OS,
				  "Windows 2002 Service Pack 3 2600"));
	for (unsigned i = 0; i < cap.n; i++) /* the account name is never reported */
		if (cap.ev[i].kind == OTW_EV_ATTR)
			assert_null(memmem(cap.ev[i].u.attr.val, cap.ev[i].u.attr.len,
					   "operator", 8));
	assert_int_equal(find_op(OTW_APP_SMB, 0x173).responses, 1);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_NAME, "PLC1"));
	assert_int_equal(find_attr(OTW_APP_SMB, OTW_ATTR_NAME, "PLC1")->ip.b[15], SIP & 0xff);
	assert_non_null(find_attr(OTW_APP_SMB, OTW_ATTR_NAME, "ENGWS"));
	assert_int_equal(find_op(OTW_APP_SMB, 0x281).responses, 1);
	assert_int_equal(find_op(OTW_APP_SMB, 0x172).count, 1);
	assert_int_equal(find_op(OTW_APP_SMB, 0x172).exceptions, 1);
	assert_int_equal(malformed(e, OTW_APP_SMB), 0);
	otw_engine_destroy(e);
}

static void smb_truncations_are_safe(void **s)
{
	struct pb b, f, m;
	(void)s;
	b.n = 0;
	smb2_hdr(&b, 1, true, 0xc0000016);
	m.n = 0;
	challenge(&m);
	le16(&b, 9); le16(&b, 0); le16(&b, 72); le16(&b, (uint16_t)m.n);
	pb_bytes(&b, m.b, m.n);
	nbss(&f, &b);
	every_prefix(plugin(otw_plugin_smb, 445), false, f.b, f.n);
	b.n = 0;
	smb2_hdr(&b, 1, false, 0);
	m.n = 0;
	authenticate(&m);
	le16(&b, 25); pb_u8(&b, 0); pb_u8(&b, 1); le32(&b, 0); le32(&b, 0);
	le16(&b, 88); le16(&b, (uint16_t)m.n); le32(&b, 0); le32(&b, 0);
	pb_bytes(&b, m.b, m.n);
	nbss(&f, &b);
	every_prefix(plugin(otw_plugin_smb, 445), true, f.b, f.n);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(smb2_negotiate_ntlm_and_errors),
		cmocka_unit_test(smb1_and_netbios_session),
		cmocka_unit_test(smb_truncations_are_safe),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
