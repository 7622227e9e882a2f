# Run by ctest (a TEST_INCLUDE_FILES script written by
# tangle_discover_scenarios): `EXE list --format json`, one test per scenario
# it lists (the JSON, not the console columns, which are for people).
# Inputs: TANGLE_DISCOVER_{EXECUTABLE,TARGET,PREFIX,LABELS,TIMEOUT,EXTRA_ARGS,REPORT_ROOT}.
set(exe "${TANGLE_DISCOVER_EXECUTABLE}")
if(NOT EXISTS "${exe}")
  # Like gtest_discover_tests: a test that fails, naming what to build.
  add_test("${TANGLE_DISCOVER_TARGET}_NOT_BUILT" "${TANGLE_DISCOVER_TARGET}_NOT_BUILT")
  return()
endif()
execute_process(COMMAND "${exe}" list --format json
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tangle_discover_scenarios: '${exe} list --format json' failed (${rc}): ${err}")
endif()
string(JSON count ERROR_VARIABLE json_error LENGTH "${out}" scenarios)
if(json_error)
  message(FATAL_ERROR "tangle_discover_scenarios: '${exe} list --format json' printed no scenario list: ${json_error}")
endif()
if(count EQUAL 0)
  return()
endif()
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON scenario GET "${out}" scenarios ${i} name)
  set(test "${TANGLE_DISCOVER_PREFIX}${scenario}")
  string(REGEX REPLACE "[^A-Za-z0-9_.-]" "_" dir "${scenario}")
  # `run` takes glob patterns (fnmatch): escape *, ? and [ to name this one only.
  string(REGEX REPLACE "([][*?\\])" "\\\\\\1" pattern "${scenario}")
  add_test("${test}" "${exe}" run "${pattern}" --report-dir "${TANGLE_DISCOVER_REPORT_ROOT}/${dir}"
           ${TANGLE_DISCOVER_EXTRA_ARGS})
  set_tests_properties("${test}" PROPERTIES TIMEOUT "${TANGLE_DISCOVER_TIMEOUT}")
  if(TANGLE_DISCOVER_LABELS)
    set_tests_properties("${test}" PROPERTIES LABELS "${TANGLE_DISCOVER_LABELS}")
  endif()
endforeach()
