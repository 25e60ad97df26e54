#include "server/network/tls_context.h"

#include <openssl/ssl.h>

namespace rectify {

ServerTlsFiles DistrictTlsFiles(const std::string& data_dir) {
  return {data_dir + "/server.pem", data_dir + "/server.key", data_dir + "/ca.pem"};
}

Result<std::shared_ptr<asio::ssl::context>> MakeServerTlsContext(const ServerTlsFiles& files) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1)
    return Status::Internal("this OpenSSL cannot restrict itself to TLS 1.3");
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);

  asio::error_code ec;
  ctx->load_verify_file(files.ca_file, ec);
  if (ec)
    return Status::FailedPrecondition("cannot load CA " + files.ca_file + ": " + ec.message());
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec)
    return Status::FailedPrecondition("cannot load certificate " + files.cert_file + ": " +
                                      ec.message());
  ctx->use_private_key_file(files.key_file, asio::ssl::context::pem, ec);
  if (ec)
    return Status::FailedPrecondition("cannot load key " + files.key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return Status::FailedPrecondition(files.key_file + " does not match " + files.cert_file);
  // Tell clients which CA we accept, so a device with several identities picks ours.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca_file.c_str());
  if (names != nullptr) SSL_CTX_set_client_CA_list(native, names);
  ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  SSL_CTX_set_verify_depth(native, 2);
  return ctx;
}

}  // namespace rectify
