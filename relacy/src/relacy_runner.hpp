// Runs scenarios under the Relacy engine and turns Relacy's verdict into
// tangle's plain-data report model (one ScenarioResult per scenario), so every
// report writer works unchanged.
//
// Replay: Relacy's random scheduler seeds iteration K with K, so one failing
// execution is named by (scenario, parameters, K, max_steps). That is the
// finding's replay token, "relacy:random:K:MAX_STEPS:NAME[:k=v,k=v]";
// `tangle-relacy replay TOKEN` re-runs exactly that iteration. The exhaustive
// schedulers' failing iteration depends on the search state, so their findings
// carry a token for the random scheduler only when it found them.
#pragma once

#include <cstdint>
#include <string>

#include "relacy_engine.hpp"
#include "tangle/report/model.hpp"
#include "tangle/scenario.hpp"

namespace tangle::relacy {

report::ScenarioResult run_scenario(const ScenarioInfo& info, const Params& params,
                                    const Options& options);

struct ReplayToken {
  std::string scenario;
  Params::Map params;
  std::uint64_t iteration = 0;
  std::uint64_t max_steps = 0;
};
std::string encode_token(const ReplayToken& token);
// Throws std::invalid_argument (one line) on a malformed token.
ReplayToken decode_token(const std::string& text);
inline bool is_relacy_token(const std::string& text) { return text.rfind("relacy:", 0) == 0; }

const char* to_string(Scheduler s);

}  // namespace tangle::relacy
