#include "server/service/serve_wiring.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "protocol/server_session.h"
#include "server/service/pki.h"
#include "server/service/sync_service_impl.h"
#include "server/storage/evidence_store.h"
#include "server/storage/store_factory.h"

namespace rectify {

namespace {

class SyncServerImpl final : public SyncServer {
 public:
  SyncServerImpl(std::unique_ptr<Store> store, SigningKey key, ServeOptions options,
                 std::string log_name, std::unique_ptr<EvidenceStore> evidence)
      : store_(std::move(store)),
        evidence_(std::move(evidence)),
        options_(std::move(options)),
        log_key_(key),
        log_name_(log_name) {
    SyncServiceOptions so;
    so.max_skew_ms = options_.max_skew_ms;
    so.is_revoked = options_.is_revoked;
    so.log = options_.log;
    so.log_name = std::move(log_name);
    so.evidence = evidence_.get();
    service_ =
        std::make_unique<SyncServiceImpl>(*store_, std::move(key), SystemClock::Instance(), so);
  }

  protocol::HandlerFactory handler_factory() override {
    protocol::ServerSessionOptions so;
    so.max_frame_bytes = options_.max_frame_bytes;
    so.session_deadline_ms = options_.session_deadline_ms;
    return [this, so](const protocol::PeerIdentity& peer) {
      return std::make_unique<protocol::ServerSession>(*service_, peer, so);
    };
  }

  Store& store() override { return *store_; }
  protocol::SyncService& sync_service() override { return *service_; }
  const SigningKey& log_key() const override { return log_key_; }
  const std::string& log_name() const override { return log_name_; }

 private:
  std::unique_ptr<Store> store_;
  std::unique_ptr<EvidenceStore> evidence_;  // DIR/evidence, docs/evidence.md
  ServeOptions options_;
  SigningKey log_key_;
  std::string log_name_;
  std::unique_ptr<SyncServiceImpl> service_;
};

}  // namespace

Result<std::string> ReadDistrictLogName(const std::string& data_dir) {
  auto text = ReadDistrictFile(data_dir + "/district.json");
  if (!text.ok()) return text.status();
  auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("origin") || !j["origin"].is_string())
    return Status::Corruption(data_dir + "/district.json has no origin");
  return j["origin"].get<std::string>();
}

Result<SigningKey> ReadLogKey(const std::string& data_dir) {
  auto pem = ReadDistrictFile(data_dir + "/log.key");
  if (!pem.ok()) return pem.status();
  auto key = SigningKey::FromPem(*pem);
  if (!key.ok()) return key.status().Annotate(data_dir + "/log.key");
  return key;
}

Result<std::unique_ptr<SyncServer>> SyncServer::Open(const std::string& data_dir,
                                                     ServeOptions options) {
  auto log_name = ReadDistrictLogName(data_dir);
  if (!log_name.ok()) return log_name.status();
  auto key = ReadLogKey(data_dir);
  if (!key.ok()) return key.status();
  auto store = OpenStore(data_dir, options.store);
  if (!store.ok())
    return store.status().Annotate("opening " + DescribeStore(data_dir, options.store));
  EvidenceStoreOptions evidence_options;
  evidence_options.max_file_bytes = options.max_evidence_bytes;
  auto evidence = EvidenceStore::Open(data_dir + "/evidence", evidence_options);
  if (!evidence.ok()) return evidence.status();
  return std::unique_ptr<SyncServer>(new SyncServerImpl(
      std::move(*store), std::move(*key), std::move(options), *log_name, std::move(*evidence)));
}

}  // namespace rectify
