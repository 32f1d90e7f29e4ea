// SocketOptions tests: the root of every test that opens sockets.
//
// Tests that open descriptors run one at a time under this suite: the leak check compares
// /proc/self/fd before and after, the TIME_WAIT and SO_REUSEPORT tests count connections on
// ports, and both would see other tests' sockets if they ran in parallel. Tests of plain values
// (addresses, validation with the recorder, messages) stay outside and run in parallel.

import Testing

@Suite(.serialized)
enum KernelTests {}
