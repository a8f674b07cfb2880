# One place registers every library, test and benchmark, so none is left out.
# Sources are globbed: a new foo.cc joins its layer's library, foo_test.cc
# joins the layer's test binary (each gtest case becomes a ctest case).
include(GoogleTest)

function(qun_sources out dir)
  file(GLOB_RECURSE all CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*.cc)
  list(FILTER all EXCLUDE REGEX "_(test|fuzz|benchmark)\\.cc$")
  set(${out} ${all} PARENT_SCOPE)
endfunction()

function(qun_test_sources out dir)
  file(GLOB_RECURSE all CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${dir}/*_test.cc)
  set(${out} ${all} PARENT_SCOPE)
endfunction()

# qun_layer(name dir [OBJECT] DEPS ...): a static library of dir's sources
# plus, if there are *_test.cc files, a test binary <name>_tests. OBJECT
# makes it an object library, for layers whose parts register themselves at
# static-initialization time (a static archive would drop them).
function(qun_layer name dir)
  cmake_parse_arguments(L "OBJECT" "" "DEPS" ${ARGN})
  qun_sources(srcs ${dir})
  if(NOT srcs)
    set(srcs ${CMAKE_SOURCE_DIR}/cmake/empty.cc)
  endif()
  if(L_OBJECT)
    add_library(${name} OBJECT ${srcs})
  else()
    add_library(${name} STATIC ${srcs})
  endif()
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${L_DEPS} nlohmann_json::nlohmann_json)
  qun_test_sources(tests ${dir})
  if(tests)
    add_executable(${name}_tests ${tests})
    target_link_libraries(${name}_tests PRIVATE ${name} GTest::gtest GTest::gtest_main GTest::gmock)
    target_compile_definitions(${name}_tests PRIVATE QUN_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    gtest_discover_tests(${name}_tests DISCOVERY_MODE PRE_TEST
      PROPERTIES ENVIRONMENT "QUN_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endif()
endfunction()

# qun_cli(name dir DEPS ...): the command-line binary. Subcommand files
# register themselves, so they are an OBJECT library (nothing is dropped).
function(qun_cli name dir)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  qun_sources(srcs ${dir})
  add_executable(${name} ${srcs})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE ${L_DEPS})
  target_compile_definitions(${name} PRIVATE QUN_VERSION="${PROJECT_VERSION}")
endfunction()

# qun_fuzz_target(name source DEPS ...): with QUN_FUZZ (clang) a libFuzzer
# binary; always a replay binary that runs tests/fuzz/<name>_corpus/* as a
# ctest case, so the corpus is exercised by `make test`.
function(qun_fuzz_target name source)
  cmake_parse_arguments(F "" "" "DEPS" ${ARGN})
  add_executable(${name}_replay ${source} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cc)
  target_link_libraries(${name}_replay PRIVATE ${F_DEPS})
  add_test(NAME fuzz_replay.${name}
    COMMAND ${name}_replay ${CMAKE_SOURCE_DIR}/tests/fuzz/${name}_corpus)
  if(QUN_FUZZ)
    add_executable(${name}_fuzz ${source})
    target_compile_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name}_fuzz PRIVATE ${F_DEPS})
  endif()
endfunction()

# qun_benchmark(name source DEPS ...): a Google Benchmark binary that CI
# builds and runs once, briefly (it prints numbers, it never fails on time).
function(qun_benchmark name source)
  cmake_parse_arguments(B "" "" "DEPS" ${ARGN})
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${B_DEPS} benchmark::benchmark)
  add_test(NAME bench_smoke.${name} COMMAND ${name} --benchmark_min_time=0.001)
  set_tests_properties(bench_smoke.${name} PROPERTIES LABELS bench)
endfunction()
