# Source lists of the model and the conformance library, relative to their
# directories, and functions that build them from a given tree. The normal
# build uses the source tree; tests/variants builds patched copies of the
# model (deliberately broken implementations) with the same lists.

set(VC_MODEL_SOURCES
  common/violation.c
  mem/gm.c
  ring/vq_split_dev.c
  ring/vq_split_drv.c
  transport/vpci.c
  devices/registry.c
  devices/rng.c
  drivers/galloc.c
  drivers/vdrv.c
  drivers/rng_drv.c
  pair/vc_pair.c
)
set(VC_MODEL_INCLUDE_DIRS include mem ring transport devices drivers pair)

set(VC_CONFORMANCE_SOURCES
  atomic_file.c
  case_load.c
  catalogue.c
  exec.c
  report.c
  runner.c
  selfcheck.c
  ytree.c
)

# vc_model_library(NAME ROOT): a static model library from the tree at ROOT.
function(vc_model_library name root)
  list(TRANSFORM VC_MODEL_SOURCES PREPEND ${root}/ OUTPUT_VARIABLE srcs)
  list(TRANSFORM VC_MODEL_INCLUDE_DIRS PREPEND ${root}/ OUTPUT_VARIABLE incs)
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${incs})
  target_link_libraries(${name} PRIVATE vc_flags)
endfunction()

# vc_conformance_library(NAME MODEL_LIB): the conformance code on MODEL_LIB.
function(vc_conformance_library name model_lib)
  list(TRANSFORM VC_CONFORMANCE_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/conformance/
       OUTPUT_VARIABLE srcs)
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/conformance)
  target_link_libraries(${name} PUBLIC ${model_lib} PkgConfig::YAML PRIVATE vc_flags)
endfunction()
