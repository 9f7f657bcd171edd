/* SIEM forwarding: a real UDP datagram on loopback, in RFC 5424 + CEF. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwd.h"
#include "otw_app.h"
#include "otw_err.h"

static void alert_reaches_a_loopback_collector(void **s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct otw_fwd *f;
	struct otw_alert al = { 0 };
	struct timeval tv = { 5, 0 };
	char dest[64], buf[2048];
	ssize_t n;
	(void)s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(dest, sizeof(dest), "127.0.0.1:%u", ntohs(a.sin_port));
	assert_int_equal(otw_fwd_open(dest, "sensor1", &f), 0);

	al.id = 42;
	al.engine = OTW_ENG_OPERATIONAL;
	al.severity = OTW_SEV_HIGH;
	al.app = OTW_APP_MODBUS;
	al.count = 3;
	al.src.b[10] = al.src.b[11] = 0xff;
	al.src.b[12] = 10, al.src.b[15] = 66;
	al.first_ns = 1709539713000000000ull;
	snprintf(al.title, sizeof(al.title), "PLC stop | test");
	snprintf(al.desc, sizeof(al.desc), "a=b \\ c");
	assert_int_equal(otw_fwd_send(f, &al), 0);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	/* local4.err, RFC 5424 version 1, our host name, CEF header */
	assert_non_null(strstr(buf, "<163>1 2024-03-04T08:08:33Z sensor1 otwatch - alert - CEF:0|otwatch|otwatch|"));
	assert_non_null(strstr(buf, "|operational|PLC stop \\| test|8|"));
	assert_non_null(strstr(buf, "src=10.0.0.66"));
	assert_non_null(strstr(buf, "cnt=3 externalId=42"));
	assert_non_null(strstr(buf, "app=modbus"));
	assert_non_null(strstr(buf, "msg=a\\=b \\\\ c"));
	assert_null(strstr(buf, "dst="));
	otw_fwd_close(f);
	close(fd);
}

static void bad_destinations_are_refused(void **s)
{
	struct otw_fwd *f;
	(void)s;
	assert_int_equal(otw_fwd_open("no-port", "h", &f), OTW_EUSAGE);
	assert_int_equal(otw_fwd_open("127.0.0.1:", "h", &f), OTW_EUSAGE);
	assert_int_equal(otw_fwd_open("[::1:514", "h", &f), OTW_EUSAGE);
	assert_int_equal(otw_fwd_open("[::1]:514", "h", &f), 0);
	otw_fwd_close(f);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(alert_reaches_a_loopback_collector),
		cmocka_unit_test(bad_destinations_are_refused),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
