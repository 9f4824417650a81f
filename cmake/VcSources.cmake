# Source lists of the model and the conformance library, relative to their
# directories, and functions that build them from a given tree. The normal
# build uses the source tree; tests/variants builds patched copies of the
# model (deliberately broken implementations) with the same lists.

set(VC_MODEL_SOURCES
  common/violation.c
  mem/gm.c
  ring/vq_split_dev.c
  ring/vq_split_drv.c
  ring/vq_packed_dev.c
  ring/vq_packed_drv.c
  transport/vdev_core.c
  transport/vpci.c
  transport/vmmio.c
  devices/registry.c
  devices/dev_args.c
  devices/rng.c
  devices/blk.c
  devices/console.c
  devices/gpu.c
  devices/balloon.c
  devices/net.c
  drivers/galloc.c
  drivers/vdrv.c
  drivers/rng_drv.c
  drivers/blk_drv.c
  drivers/console_drv.c
  drivers/balloon_drv.c
  drivers/gpu_drv.c
  drivers/net_drv.c
  drivers/fs_drv.c
  pair/vc_pair.c
)
set(VC_MODEL_INCLUDE_DIRS include mem ring transport devices drivers pair)

set(VC_CONFORMANCE_SOURCES
  atomic_file.c
  case_load.c
  case_load_blk.c
  case_load_console.c
  case_load_net.c
  case_load_balloon.c
  case_load_gpu.c
  catalogue.c
  exec.c
  exec_blk.c
  exec_console.c
  exec_net.c
  exec_balloon.c
  exec_gpu.c
  exec_fs.c
  png.c
  exec_packed.c
  report.c
  runner.c
  forkpool.c
  selfcheck.c
  ytree.c
  ../fuzz/fsd_input.c
  ../fuzz/blk_req_input.c
  export_corpus.c
  crash2case.c
  vu_client.c
  vu_device.c
  vu_target.c
  vu_server.c
  serve.c
  serve_report.c
  target.c
  target_plugin.c
  replay_input.c
  replay_blk.c
  replay.c
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
