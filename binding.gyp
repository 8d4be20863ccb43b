{
  "targets": [
    {
      "target_name": "kipc_process",
      "sources": ["native/kipc_process.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wno-cast-function-type"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    }
  ]
}
