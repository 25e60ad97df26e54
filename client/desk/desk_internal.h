// Internal to client/desk: what one request carries through the handlers,
// and small helpers shared by the page files. Include only from client/desk.
#pragma once

#include <string>
#include <vector>

#include "client/desk/desk_app.h"
#include "web/form.h"
#include "web/multipart.h"

namespace rectify {

struct DeskApp::Ctx {
  const web::Request& req;
  web::Params query;
  web::Params form;                  // urlencoded fields, or a multipart's plain fields
  std::vector<web::FormPart> parts;  // multipart bodies (uploads)
};

namespace desk {

// Chinese label of a status code ("verified" -> "已销号"); the code if unknown.
std::string StatusText(const std::string& code);

// Every status as {code, label, selected} for a <select>.
nlohmann::json StatusOptions(const std::string& current);

}  // namespace desk

}  // namespace rectify
