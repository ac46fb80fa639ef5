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

StreamedDump stream_dump(ProcessSpec dump, std::optional<ProcessSpec> reader,
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
  std::optional<Pipe> to_reader;
  if (reader) to_reader.emplace();
  dump.stdout_fd = from_dump.write;
  std::exception_ptr dump_error, reader_error;
  std::thread dump_thread = run_then_close(runner, std::move(dump), out.dump, from_dump.write, dump_error);
  std::thread reader_thread;
  ProcessResult reader_result;
  if (reader) {
    reader->stdin_fd = to_reader->read;
    reader_thread = run_then_close(runner, std::move(*reader), reader_result, to_reader->read, reader_error);
  }

  Sha256 hash;
  std::vector<char> buf(1 << 20);
  bool feeding = to_reader.has_value();
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
    // The reader may stop early (a damaged stream); its exit status says why, so stop feeding it.
    if (feeding && !write_all(to_reader->write, buf.data(), size)) feeding = false;
  }
  close_fd(from_dump.read);
  if (to_reader) close_fd(to_reader->write);
  if (out.write_error.empty() && ::fsync(file_fd) != 0) {
    out.write_error = std::string("syncing ") + file.string() + " failed: " + std::strerror(errno);
  }
  if (::close(file_fd) != 0 && out.write_error.empty()) {
    out.write_error = std::string("closing ") + file.string() + " failed: " + std::strerror(errno);
  }
  dump_thread.join();
  if (reader_thread.joinable()) reader_thread.join();
  if (dump_error) std::rethrow_exception(dump_error);
  if (reader_error) std::rethrow_exception(reader_error);
  if (reader) out.reader = reader_result;
  out.sha256 = hash.hex_digest();
  return out;
}

}  // namespace pgrevise::backup
