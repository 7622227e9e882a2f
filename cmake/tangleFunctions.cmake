# CMake functions for testing your own code with tangle (shipped in the CMake
# package; also defined when tangle is added with add_subdirectory/FetchContent).
#
#   tangle_add_scenarios(NAME SOURCES... [WITH_BUILTINS] [LIBRARIES LIB...])
#     An executable NAME with tangle's full command line (list, run, replay,
#     gate) over the scenarios in SOURCES and in the LIBRARIES that hold
#     scenarios; WITH_BUILTINS adds tangle's own (tangle::builtins).
#
#   tangle_link_scenarios(TARGET LIB...)
#     Links LIB... into TARGET so that every scenario registered in them stays
#     in the program, whatever the library type (used by tangle_add_scenarios;
#     call it for a GoogleTest binary whose scenarios live in a library).
#
#   tangle_discover_scenarios(NAME [LABELS L...] [TEST_PREFIX P] [TIMEOUT S]
#                             [EXTRA_ARGS ARG...])
#     Each scenario of executable NAME becomes its own CTest test, P<scenario>,
#     running `NAME run <scenario> --report-dir <dir> ARG...`: it fails when
#     the scenario's verdict fails (a finding it does not declare, or a declared
#     one not found). The list is read when ctest runs (`NAME list`), like
#     gtest_discover_tests(... DISCOVERY_MODE PRE_TEST), so a new scenario
#     needs no reconfigure. Reports: <build dir>/tangle-report/NAME/<scenario>.
#
# Why tangle_link_scenarios: a scenario registers itself from a static
# initializer (TANGLE_SCENARIO), which nothing else references. A linker takes
# from a STATIC library only the members that resolve an undefined symbol, so
# it drops those silently ("unknown scenario"); a SHARED library linked with
# --as-needed (the default on some distributions) is dropped the same way. So:
#   STATIC     $<LINK_LIBRARY:WHOLE_ARCHIVE,LIB>  (every member is linked)
#   SHARED     LINKER:--no-as-needed around LIB   (the library is always loaded),
#              and TARGET exports its symbols (ENABLE_EXPORTS): link such a
#              library with tangle::headers, not tangle::tangle, so that it
#              uses the executable's tangle (one registry, one engine; tangle's
#              static libraries are not position-independent anyway)
#   OBJECT     its objects are linked directly (always kept)
#   INTERFACE  its sources are compiled into TARGET (always kept)
# Pass only the libraries that hold scenarios: one that is also linked
# without the feature elsewhere in TARGET's link line is an error of CMake's
# ("already occurred without any feature").

function(tangle_link_scenarios target)
  # A link feature of our own: --no-as-needed for one library only.
  set(CMAKE_LINK_LIBRARY_USING_TANGLE_NO_AS_NEEDED
      "LINKER:--push-state,--no-as-needed" "<LINK_ITEM>" "LINKER:--pop-state" PARENT_SCOPE)
  set(CMAKE_LINK_LIBRARY_USING_TANGLE_NO_AS_NEEDED_SUPPORTED TRUE PARENT_SCOPE)
  foreach(lib IN LISTS ARGN)
    set(type "")
    if(TARGET ${lib})
      set(real ${lib})
      get_target_property(aliased ${lib} ALIASED_TARGET)
      if(aliased)
        set(real ${aliased})
      endif()
      get_target_property(type ${real} TYPE)
    endif()
    if(type STREQUAL "STATIC_LIBRARY")
      target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${lib}>")
    elseif(type STREQUAL "SHARED_LIBRARY")
      target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:TANGLE_NO_AS_NEEDED,${lib}>")
      set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
    else()
      target_link_libraries(${target} PRIVATE ${lib})
    endif()
  endforeach()
endfunction()

function(tangle_add_scenarios name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "WITH_BUILTINS" "" "LIBRARIES")
  if(NOT arg_UNPARSED_ARGUMENTS AND NOT arg_LIBRARIES AND NOT arg_WITH_BUILTINS)
    message(FATAL_ERROR "tangle_add_scenarios(${name}): no scenario sources, LIBRARIES or WITH_BUILTINS")
  endif()
  set(sources ${arg_UNPARSED_ARGUMENTS})
  if(NOT sources)
    # add_executable wants a source of its own even when main and every
    # scenario come from libraries.
    set(sources "${CMAKE_CURRENT_BINARY_DIR}/${name}_tangle_empty.cpp")
    file(CONFIGURE OUTPUT "${sources}" CONTENT "// ${name}: scenarios from LIBRARIES, main from tangle::main\n")
  endif()
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE tangle::main tangle::tangle)
  if(arg_WITH_BUILTINS)
    target_link_libraries(${name} PRIVATE tangle::builtins)
  endif()
  tangle_link_scenarios(${name} ${arg_LIBRARIES})
  # The link features tangle_link_scenarios defined in this scope, for the caller's.
  set(CMAKE_LINK_LIBRARY_USING_TANGLE_NO_AS_NEEDED ${CMAKE_LINK_LIBRARY_USING_TANGLE_NO_AS_NEEDED} PARENT_SCOPE)
  set(CMAKE_LINK_LIBRARY_USING_TANGLE_NO_AS_NEEDED_SUPPORTED TRUE PARENT_SCOPE)
endfunction()

function(tangle_discover_scenarios name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST_PREFIX;TIMEOUT" "LABELS;EXTRA_ARGS")
  if(NOT TARGET ${name})
    message(FATAL_ERROR "tangle_discover_scenarios(${name}): no such target (make it with tangle_add_scenarios)")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  set(base "${CMAKE_CURRENT_BINARY_DIR}/${name}_tangle_tests")
  # One script per configuration (multi-config generators), picked by ctest -C.
  file(GENERATE OUTPUT "${base}-$<CONFIG>.cmake" CONTENT
"set(TANGLE_DISCOVER_EXECUTABLE [==[$<TARGET_FILE:${name}>]==])
set(TANGLE_DISCOVER_TARGET [==[${name}]==])
set(TANGLE_DISCOVER_PREFIX [==[${arg_TEST_PREFIX}]==])
set(TANGLE_DISCOVER_LABELS [==[${arg_LABELS}]==])
set(TANGLE_DISCOVER_TIMEOUT [==[${arg_TIMEOUT}]==])
set(TANGLE_DISCOVER_EXTRA_ARGS [==[${arg_EXTRA_ARGS}]==])
set(TANGLE_DISCOVER_REPORT_ROOT [==[${CMAKE_CURRENT_BINARY_DIR}/tangle-report/${name}]==])
include([==[${CMAKE_CURRENT_FUNCTION_LIST_DIR}/tangleDiscover.cmake]==])
")
  file(WRITE "${base}.cmake"
"if(CTEST_CONFIGURATION_TYPE)
  include(\"${base}-\${CTEST_CONFIGURATION_TYPE}.cmake\")
else()
  include(\"${base}-${CMAKE_BUILD_TYPE}.cmake\")
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${base}.cmake")
endfunction()
