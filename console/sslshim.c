/* Debian 12's civetweb 1.15 loads "libssl.so" at run time and looks up
 * SSL_get_peer_certificate, which OpenSSL 3 no longer exports (it became a
 * macro for SSL_get1_peer_certificate): the lookup yields NULL and the
 * first HTTPS request crashes. This tiny library has the soname
 * "libssl.so", exports that one function and depends on the real libssl;
 * the console loads it before civetweb starts, so civetweb's dlopen finds
 * it and every other symbol resolves through to OpenSSL. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s)
{
	return SSL_get1_peer_certificate(s);
}
