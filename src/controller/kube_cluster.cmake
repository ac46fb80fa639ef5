# The Cluster interface over the Kubernetes API (src/kube), for `pgrevise operator`: its own target so that
# the reconciler's library needs no HTTP client. Included once, from whichever CMakeLists comes first.
if(TARGET pgrevise_kube AND TARGET pgrevise_controller AND NOT TARGET pgrevise_kube_cluster)
  add_library(pgrevise_kube_cluster ${CMAKE_CURRENT_LIST_DIR}/kube_cluster.cpp)
  add_library(pgrevise::kube_cluster ALIAS pgrevise_kube_cluster)
  target_include_directories(pgrevise_kube_cluster PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(pgrevise_kube_cluster
    PUBLIC pgrevise::controller pgrevise::kube nlohmann_json::nlohmann_json
    PRIVATE pgrevise::common)
endif()
