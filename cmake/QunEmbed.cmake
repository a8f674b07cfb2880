# Compiles the dashboard (web/, Vite) and the OpenAPI document into qun_server
# (src/server/assets.h). The dashboard is built with `npm run build` when
# web/node_modules exists (scripts/install-deps runs `npm ci`); without it the
# binary serves the API only and "/" says how to get the dashboard.
set(QUN_GEN_DIR ${CMAKE_BINARY_DIR}/generated)
set(QUN_WEB_DIST ${CMAKE_BINARY_DIR}/web-dist)
set(QUN_OPENAPI ${CMAKE_SOURCE_DIR}/docs/api/openapi.json)
set(QUN_EMBED_OUT ${QUN_GEN_DIR}/embedded_assets.cc)
find_program(QUN_NPM npm)

set(web_deps "")
set(dist_arg "")
if(QUN_NPM AND EXISTS ${CMAKE_SOURCE_DIR}/web/node_modules AND EXISTS ${CMAKE_SOURCE_DIR}/web/package.json)
  file(GLOB_RECURSE web_sources CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/web/src/*
    ${CMAKE_SOURCE_DIR}/web/public/*)
  add_custom_command(
    OUTPUT ${QUN_WEB_DIST}/.stamp
    COMMAND ${QUN_NPM} run --silent build -- --outDir ${QUN_WEB_DIST} --emptyOutDir --logLevel warn
    COMMAND ${CMAKE_COMMAND} -E touch ${QUN_WEB_DIST}/.stamp
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/web
    DEPENDS ${web_sources} ${CMAKE_SOURCE_DIR}/web/index.html ${CMAKE_SOURCE_DIR}/web/package.json
            ${CMAKE_SOURCE_DIR}/web/vite.config.js
    COMMENT "Building the dashboard (vite build)"
    VERBATIM)
  set(web_deps ${QUN_WEB_DIST}/.stamp)
  set(dist_arg -DDIST=${QUN_WEB_DIST})
else()
  message(STATUS "qun: web/node_modules missing (or npm not found): the dashboard will not be embedded; "
                 "run scripts/install-deps, then re-run cmake")
endif()

add_custom_command(
  OUTPUT ${QUN_EMBED_OUT}
  COMMAND ${CMAKE_COMMAND} ${dist_arg} -DOPENAPI=${QUN_OPENAPI} -DOUT=${QUN_EMBED_OUT}
          -P ${CMAKE_SOURCE_DIR}/cmake/QunEmbedGen.cmake
  DEPENDS ${web_deps} ${QUN_OPENAPI} ${CMAKE_SOURCE_DIR}/cmake/QunEmbedGen.cmake
  COMMENT "Embedding dashboard files and the OpenAPI document"
  VERBATIM)
target_sources(qun_server PRIVATE ${QUN_EMBED_OUT})
