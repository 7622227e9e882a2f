#include <gtest/gtest.h>
#include "tangle/scenario.hpp"
TEST(Registry, HasBuiltins) { EXPECT_GE(tangle::registered_scenarios().size(), 13u); }
