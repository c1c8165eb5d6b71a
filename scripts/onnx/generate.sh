#!/usr/bin/env bash
# Regenerates Sources/ONNXProto/onnx.pb.swift, ONNX's messages for swift-protobuf, from the
# official onnx.proto. Run once per ONNX or swift-protobuf upgrade and commit the result: builds
# and CI use the committed file and need neither protoc nor the plugin.
#   usage: scripts/onnx/generate.sh path/to/onnx/onnx.proto path/to/protoc-gen-swift
# Made with: onnx.proto of ONNX 1.23.0 (github.com/onnx/onnx, commit f7546912001b), protoc
# 3.21.12 (Debian's protobuf-compiler), protoc-gen-swift 1.39.0 (built from apple/swift-protobuf
# at that tag: swift build -c release --product protoc-gen-swift).
set -euo pipefail
proto=$(realpath "$1")
plugin=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public --swift_out="$out" \
  -I "$(dirname "$proto")" "$(basename "$proto")"
# The generated file starts with swift-format-ignore-file: swift-format leaves it alone.
cp "$out/onnx.pb.swift" "$root/Sources/ONNXProto/onnx.pb.swift"
echo "wrote Sources/ONNXProto/onnx.pb.swift ($(wc -l < "$root/Sources/ONNXProto/onnx.pb.swift") lines)"
