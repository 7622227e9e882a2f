// Everything a scenario needs: #include "tangle/tangle.hpp".
#pragma once

#include "tangle/atomic.hpp"
#include "tangle/check.hpp"
#include "tangle/name.hpp"
#include "tangle/queue.hpp"
#include "tangle/scenario.hpp"
#include "tangle/shared.hpp"
#include "tangle/sync.hpp"
#include "tangle/thread.hpp"
