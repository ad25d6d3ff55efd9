# Embeds the web view's files (this folder, minus CMake files) into fabricd
# as a generated C table read by src/web_assets.c. Include it from
# fabricd/CMakeLists.txt after the fabricd target is defined:
#   include(web/web.cmake)
# Without it fabricd still serves the page, read from this folder.
set(FABD_WEB_DIR ${CMAKE_CURRENT_LIST_DIR})
if(TARGET fabricd)
    file(GLOB FABD_WEB_FILES CONFIGURE_DEPENDS ${FABD_WEB_DIR}/*.html ${FABD_WEB_DIR}/*.js
         ${FABD_WEB_DIR}/*.css ${FABD_WEB_DIR}/*.svg)
    set(FABD_WEB_OUT ${CMAKE_CURRENT_BINARY_DIR}/web_assets_data.c)
    add_custom_command(
        OUTPUT ${FABD_WEB_OUT}
        COMMAND ${CMAKE_COMMAND} -DOUT=${FABD_WEB_OUT} "-DFILES=${FABD_WEB_FILES}" -P
                ${FABD_WEB_DIR}/embed.cmake
        DEPENDS ${FABD_WEB_FILES} ${FABD_WEB_DIR}/embed.cmake
        COMMENT "Embedding the web view (${FABD_WEB_DIR})"
        VERBATIM)
    target_sources(fabricd PRIVATE ${FABD_WEB_OUT})
endif()
