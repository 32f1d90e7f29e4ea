import SocketOptions

print("x")
