#include "backup/stream_dump.h"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/hash.h"

namespace pgrevise::backup {

namespace {

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
      throw Error(ErrorKind::kIo, std::string("pipe: ") + std::strerror(errno));
    read = fds[0];
    write = fds[1];
  }
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Writes all of data; false (with errno set) on failure.
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Runs a child on another thread and closes the parent's copy of its pipe end once it has exited, so the
// other side of the pipe sees end-of-file (or a broken pipe) exactly when the child is gone.
std::thread run_then_close(ProcessRunner& runner, ProcessSpec spec, ProcessResult& result, int& fd_to_close,
                           std::exception_ptr& error) {
  return std::thread([&runner, spec = std::move(spec), &result, &fd_to_close, &error] {
    try {
      result = runner.run(spec);
    } catch (...) {
      error = std::current_exception();
    }
    close_fd(fd_to_close);
  });
}

}  // namespace

StreamedDump stream_dump(ProcessSpec dump, std::vector<ProcessSpec> readers,
                         const std::filesystem::path& file, ProcessRunner& runner) {
  // A reader that stops early must surface as a failed write, not end this process; so must a file size
  // limit (RLIMIT_FSIZE), which then reads as EFBIG like a full disk does as ENOSPC.
  static const bool signals_ignored = (std::signal(SIGPIPE, SIG_IGN), std::signal(SIGXFSZ, SIG_IGN), true);
  (void)signals_ignored;
  StreamedDump out;
  int file_fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (file_fd < 0)
    throw Error(ErrorKind::kIo, "cannot create " + file.string() + ": " + std::strerror(errno));
  Pipe from_dump;
  std::vector<Pipe> to_readers(readers.size());
  out.readers.resize(readers.size());
  std::vector<std::exception_ptr> errors(readers.size() + 1);
  dump.stdout_fd = from_dump.write;
  std::vector<std::thread> threads;
  threads.push_back(run_then_close(runner, std::move(dump), out.dump, from_dump.write, errors[0]));
  for (size_t i = 0; i < readers.size(); ++i) {
    readers[i].stdin_fd = to_readers[i].read;
    threads.push_back(
        run_then_close(runner, std::move(readers[i]), out.readers[i], to_readers[i].read, errors[i + 1]));
  }

  Sha256 hash;
  std::vector<char> buf(1 << 20);
  std::vector<bool> feeding(readers.size(), true);
  while (true) {
    ssize_t n = ::read(from_dump.read, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const size_t size = static_cast<size_t>(n);
    if (out.write_error.empty()) {
      if (write_all(file_fd, buf.data(), size)) {
        hash.update(std::string_view(buf.data(), size));
      } else {
        out.write_error = std::string("writing ") + file.string() + " failed: " + std::strerror(errno);
      }
    }
    // A reader may stop early (done, or a damaged stream); its exit status says which, so stop feeding it.
    for (size_t i = 0; i < to_readers.size(); ++i) {
      if (feeding[i] && !write_all(to_readers[i].write, buf.data(), size)) feeding[i] = false;
    }
  }
  close_fd(from_dump.read);
  for (auto& p : to_readers) close_fd(p.write);
  if (out.write_error.empty() && ::fsync(file_fd) != 0) {
    out.write_error = std::string("syncing ") + file.string() + " failed: " + std::strerror(errno);
  }
  if (::close(file_fd) != 0 && out.write_error.empty()) {
    out.write_error = std::string("closing ") + file.string() + " failed: " + std::strerror(errno);
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  out.sha256 = hash.hex_digest();
  return out;
}

}  // namespace pgrevise::backup
